"""Downstream tasks on a (pre-trained) sign pose encoder: ISLR, CSLR, gloss-free SLT, sign-text retrieval.

    from signpt.tasks import finetune, evaluate, predict
    ckpt = finetune("slt", "synth/corpus", init="runs/pretrain/checkpoints/step_00000400", out="runs/slt")
    evaluate("slt", "synth/corpus", ckpt, split="test")   # {"bleu1": ..., "bleu4": ..., "rouge": ...}
    predict("slt", ckpt, ["clip.pose"])                   # ["the translation"]
"""
from signpt.tasks.api import evaluate, finetune, predict, run_evaluation
from signpt.tasks.common import TASKS, TaskConfig, TaskResult, load_task_model, task_config

__all__ = ["finetune", "evaluate", "predict", "run_evaluation", "TASKS", "TaskConfig", "TaskResult",
           "load_task_model", "task_config"]
