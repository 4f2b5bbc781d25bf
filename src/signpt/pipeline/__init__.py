"""End-to-end pipelines: ``run_demo`` (synthetic corpus -> pre-training -> four tasks, pre-trained vs
scratch -> report.md) and ``run_ablations`` (the paper's Tables XII-XIX at tiny scale)."""
from signpt.pipeline.ablate import run_ablations
from signpt.pipeline.demo import DemoConfig, demo_config, run_demo

__all__ = ["run_demo", "DemoConfig", "demo_config", "run_ablations"]
