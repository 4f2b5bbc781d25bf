"""The synthetic sign-language corpus, the embedded default: ``generate(out_dir, preset, seed)``.

Modules: ``hand`` (handshapes from finger joint angles, 21-joint forward kinematics, palm orientation),
``body`` (signer skeleton, 68-point face with mouth / brows / head movement, arm inverse kinematics),
``motion`` (locations, movements, co-articulated composition), ``lexicon`` (concepts and per-language signs
with minimal pairs), ``grammar`` (sentence plans, gloss orders, translations), ``signers`` (proportions,
camera, and the pose estimator's output per estimator profile), ``generate`` (presets, splits, files,
curation), ``realism`` (statistics that compare synthetic poses with real estimator output). Sources,
splits and sizes are documented in :mod:`signpt.data.synth.generate`.
"""
from signpt.data.synth.generate import LANGUAGES, PRESETS, generate

__all__ = ["generate", "PRESETS", "LANGUAGES"]
