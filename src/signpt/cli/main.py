"""The ``signpt`` command: one subcommand per module in ``signpt.cli``.

Each command module defines ``register(subparsers)`` which adds its parser and sets ``func``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = (
    "synth", "info", "show", "convert", "curate", "extract", "pretrain", "finetune", "evaluate",
    "predict", "score", "demo", "ablate", "embed", "index", "serve",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signpt", description="Multimodal sign-language pre-training on pose data."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"signpt.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from signpt.errors import SignptError

    args = build_parser().parse_args(argv)
    try:
        rc = args.func(args)
    except SignptError as e:
        print(f"signpt {args.command}: error: {e}", file=sys.stderr)
        return 2
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
