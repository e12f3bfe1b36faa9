//! [`sal_deep::Network`] for [`BurnNet`]: what the epoch loop, checkpoints and the feedback
//! phases use.

use crate::net::{BurnNet, download};
use sal_deep::net::BatchOut;
use sal_deep::{DeepError, FcParams, InputShape, Method, NamedTensor, Network, Params};
use std::ops::ControlFlow;

impl Network for BurnNet {
    fn method(&self) -> Method {
        self.method
    }

    fn shape(&self) -> InputShape {
        self.shape
    }

    fn train_step(
        &mut self,
        x: &[f32],
        labels: &[u8],
        progress: &mut dyn FnMut(u64) -> ControlFlow<()>,
    ) -> Result<BatchOut, DeepError> {
        let batch = self.check_batch(x, labels)?;
        if batch < 2 {
            return Err(DeepError::config(
                "batch_size",
                "a training batch of 1 image: BatchNorm over the fc features needs at least 2 (the last partial batch of an epoch too)",
            ));
        }
        let input = self.input(x, batch);
        let leaves = self.leaves(true);
        let z = self.forward(input, &leaves, true);
        let (loss, out) = self.loss(z, labels);
        if progress(0).is_break() {
            return Err(DeepError::Interrupted);
        }
        let grads = loss.backward();
        self.step(&leaves, &grads);
        Ok(out)
    }

    fn eval_step(&mut self, x: &[f32], labels: &[u8]) -> Result<BatchOut, DeepError> {
        let batch = self.check_batch(x, labels)?;
        let input = self.input(x, batch);
        let leaves = self.leaves(false);
        let z = self.forward(input, &leaves, false);
        Ok(self.loss(z, labels).1)
    }

    fn output(&self) -> Vec<f64> {
        self.output.clone()
    }

    fn fc(&self) -> FcParams {
        let w = [1, 2, 3].map(|k| self.values(&format!("fc{k}.weight")).expect("fc weights"));
        let b = [1, 2, 3].map(|k| self.values(&format!("fc{k}.bias")).expect("fc biases"));
        // BP fc layers have no B: their feedback is W itself (as sal_deep::Params::fc)
        let fb = [1, 2, 3].map(|k| {
            self.values(&format!("fc{k}.fb_weight"))
                .unwrap_or_else(|| w[k - 1].clone())
        });
        let f = self.shape.fc_input().expect("shape was checked");
        FcParams {
            sizes: [f, b[0].len(), b[1].len(), b[2].len()],
            w,
            b,
            fb,
        }
    }

    fn set_fc(&mut self, fc: &FcParams) -> Result<(), DeepError> {
        // sizes and finiteness checked as for sal-deep's network, on a scratch copy
        let mut p = Params::<f64>::init(self.method, self.shape, 0)?;
        p.set_fc(fc)?;
        for k in 1..=3 {
            for what in ["weight", "bias", "fb_weight"] {
                let name = format!("fc{k}.{what}");
                if let Some(i) = self.slots.iter().position(|s| s.name == name) {
                    self.slots[i].value = self.upload(&p.get(&name)?);
                }
            }
        }
        Ok(())
    }

    fn checkpoint(&self) -> Vec<NamedTensor> {
        self.named()
    }

    fn load_checkpoint(&mut self, tensors: &[NamedTensor]) -> Result<Vec<String>, DeepError> {
        // checked in full before anything on the device changes
        let mut p = Params::<f64>::init(self.method, self.shape, 0)?;
        let skipped = p.assign(tensors)?;
        self.assign_params(&p)?;
        self.reset_optimizer();
        Ok(skipped)
    }

    fn first_non_finite(&self) -> Option<(String, f64)> {
        self.slots.iter().find_map(|s| {
            download(&s.value)
                .into_iter()
                .find(|v| !v.is_finite())
                .map(|v| (s.name.clone(), v))
        })
    }
}
