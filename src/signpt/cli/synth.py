"""``signpt synth --out DIR --preset small --seed 0``: generate the synthetic corpus."""
from __future__ import annotations


def register(subparsers) -> None:
    from signpt.data.synth.generate import PRESETS
    from signpt.data.synth.signers import DEFAULT_PROFILE, PROFILES

    p = subparsers.add_parser(
        "synth", help="generate the synthetic sign-language corpus (raw COCO-WholeBody poses + curated corpus)",
        description="Generate three synthetic sign languages (paired with English, German, Spanish): raw "
                    "COCO-WholeBody-133 pose files in DIR/poses, DIR/manifest.jsonl (generic adapter), "
                    "DIR/recipe.yaml, then curate them into DIR/corpus. Deterministic in --preset and --seed; "
                    "a rerun keeps the files already written.",
    )
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--preset", default="small", choices=[k for k in PRESETS if k != "tiny"] + ["tiny"],
                   help="corpus size: small (~3.6k samples, the demo), medium (~14k), large (~55k); tiny is for tests")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--profile", default=DEFAULT_PROFILE, choices=list(PROFILES),
                   help="pose estimator to imitate: wholebody (COCO-WholeBody from a top-down estimator, "
                        "RTMPose-like; the paper's input; default), mediapipe (MediaPipe Holistic), openpose")
    p.add_argument("--no-curate", action="store_true", help="write the raw poses, manifest and recipe only")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from signpt.data.synth import generate

    out = generate(args.out, preset=args.preset, seed=args.seed, curate=not args.no_curate,
                   progress=not args.quiet, profile=args.profile)
    print(f"synthetic corpus ({args.preset}, seed {args.seed}, profile {args.profile}) in {out}"
          + ("" if args.no_curate else f"; curated corpus: {out / 'corpus'}"))
    return 0
