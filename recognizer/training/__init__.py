"""Training: the one table of settings (settings), the engine (trainer), one run from plan to record (run),
fine-tuning and My digits (finetune), the curves, what the weights do over a run (insight), TensorBoard."""
