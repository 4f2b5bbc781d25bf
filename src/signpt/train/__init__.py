"""Training: one loop (`fit`) for pre-training and fine-tuning, AdamW groups + schedules, checkpoints, DDP."""
from signpt.train.config import TrainConfig, train_preset
from signpt.train.loop import History, fit, read_log
from signpt.train.optim import build_optimizer, build_scheduler, lr_factor, param_groups

__all__ = ["TrainConfig", "train_preset", "fit", "History", "read_log", "param_groups", "build_optimizer",
           "build_scheduler", "lr_factor"]
