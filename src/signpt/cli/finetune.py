"""``signpt finetune TASK``: fine-tune a (pre-trained) sign encoder on ISLR, CSLR, SLT or retrieval."""
from __future__ import annotations

TASK_CHOICES = ("islr", "cslr", "slt", "retrieval")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "finetune", help="fine-tune the sign encoder on a downstream task (islr, cslr, slt, retrieval)",
        description="Fine-tune on the train split of one corpus source: ISLR (encoder + linear, label smoothing "
                    "0.2), CSLR (encoder + temporal conv + BiLSTM + CTC), gloss-free SLT (encoder + MLP + "
                    "3-block transformer decoder) or sign-text retrieval (fine-grained contrastive). The "
                    "pre-trained encoder learns at 0.1 x the learning rate of the new layers (paper preset; tiny: "
                    "0.1 x for CSLR/SLT, 1.0 x for ISLR/retrieval). Writes logs and "
                    "checkpoints under --out; the task checkpoint is OUT/model.",
    )
    p.add_argument("task", choices=TASK_CHOICES, help="downstream task")
    p.add_argument("--corpus", required=True, help="corpus directory (signpt store)")
    p.add_argument("--init", metavar="CKPT",
                   help="pre-training checkpoint: a checkpoint directory, a `signpt pretrain` output directory "
                        "(its latest checkpoint) or an encoder directory")
    p.add_argument("--scratch", action="store_true",
                   help="random encoder weights (with --init: that checkpoint's architecture, for a fair baseline)")
    p.add_argument("--preset", default="tiny", choices=("tiny", "paper"),
                   help="tiny: CPU minutes on the synthetic corpus; paper: Table III (default: tiny)")
    p.add_argument("--source", help="corpus source to use (default: the only source that suits the task)")
    p.add_argument("--out", help="output directory (default: runs/finetune-TASK)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    p.add_argument("--lr", type=float, help="override the preset's learning rate (new layers)")
    p.add_argument("--batch-size", type=int, help="override the preset's batch size")
    p.add_argument("--mirror-prob", type=float, metavar="P",
                   help="mirror each training clip left-right with probability P (handedness augmentation)")
    p.add_argument("--augment", metavar="SPEC",
                   help="random affine map of each training clip, e.g. 'rotate=15,scale=0.15,aspect=0.1,shift=0.05' "
                        "(degrees, fractions; signpt.pose.augment)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoints/latest")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.errors import ConfigError
    from signpt.tasks import finetune

    if args.init is None and args.scratch is False:
        print("signpt finetune: no --init given: training the preset's encoder from scratch")
    if args.epochs is not None and args.epochs < 1:
        raise ConfigError("--epochs must be >= 1")
    train = {}
    if args.lr is not None:
        train["lr"] = args.lr
    if args.batch_size is not None:
        train["batch_size"] = args.batch_size
    out = args.out or f"runs/finetune-{args.task}"
    path = finetune(args.task, args.corpus, init=args.init, scratch=args.scratch, preset=args.preset, out=out,
                    source=args.source, seed=args.seed, epochs=args.epochs, train=train or None,
                    mirror_prob=args.mirror_prob, augment=_augment(args.augment), resume=args.resume,
                    progress=not args.no_progress)
    print(f"task checkpoint: {path}")
    print(f"evaluate with: signpt evaluate {args.task} --corpus {args.corpus} --checkpoint {path} --split test")
    return 0


def _augment(spec: str | None) -> dict | None:
    """'rotate=15,scale=0.1' -> {"rotate": 15.0, "scale": 0.1} (checked by signpt.pose.augment)."""
    if not spec:
        return None
    from signpt.errors import ConfigError

    out = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--augment {spec!r}: expected key=number pairs, got {part!r}") from None
        if not sep:
            raise ConfigError(f"--augment {spec!r}: expected key=number pairs, got {part!r}")
    return out
