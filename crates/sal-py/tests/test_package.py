"""The package itself: the type stubs describe every public function with the runtime's
parameters and defaults, everything public has a docstring, and the README's Python code
runs as shown."""

import ast
import doctest
import inspect
import os
import pathlib
import re

import sal

from conftest import REPO

STUB = pathlib.Path(sal.__file__).with_name("_sal.pyi")


def stub_functions():
    tree = ast.parse(STUB.read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_stubs_match_the_runtime_signatures():
    funcs = stub_functions()
    public = {n for n in sal.__all__ if callable(getattr(sal, n)) and not isinstance(getattr(sal, n), type)}
    assert public == set(funcs), f"stub functions {sorted(funcs)} vs runtime {sorted(public)}"
    for name, node in funcs.items():
        sig = inspect.signature(getattr(sal, name))
        args = node.args.args
        defaults = [None] * (len(args) - len(node.args.defaults)) + node.args.defaults
        assert [a.arg for a in args] == list(sig.parameters), name
        for a, d in zip(args, defaults):
            p = sig.parameters[a.arg]
            want = inspect.Parameter.empty if d is None else ast.literal_eval(d)
            assert p.default == want, f"{name}({a.arg}): runtime {p.default!r}, stub {want!r}"


def test_every_public_name_has_a_docstring():
    assert sal.__doc__
    for name in sal.__all__:
        obj = getattr(sal, name)
        if name == "__version__":
            continue
        assert obj.__doc__ and len(obj.__doc__) > 20, name
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            for attr, v in vars(obj).items():
                if not attr.startswith("_"):
                    assert v.__doc__, f"{name}.{attr}"
    stub_classes = {n.name for n in ast.parse(STUB.read_text()).body if isinstance(n, ast.ClassDef)}
    assert stub_classes == {n for n in sal.__all__ if isinstance(getattr(sal, n), type)}


def test_readme_python_example_runs(tmp_path, capsys):
    text = (REPO / "README.md").read_text()
    section = text.split("## Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, "no Python example in the README's Python section"
    cwd = os.getcwd()
    os.chdir(REPO)  # the README's paths are relative to the repository root
    try:
        ns = {}
        for code in blocks:
            exec(compile(code, "README.md", "exec"), ns)
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out.strip(), "the README example prints nothing"


def test_the_package_docstring_example_runs():
    r = doctest.testmod(sal)
    assert r.attempted >= 2 and r.failed == 0, r
