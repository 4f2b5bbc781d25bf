"""TrainConfig: defaults from Table III, YAML + overrides with type checks, clear ConfigErrors."""
from __future__ import annotations

import pytest

from signpt.errors import ConfigError
from signpt.train.config import TrainConfig, from_dict, load_yaml, parse_overrides, replace, to_dict, train_preset


def test_defaults_are_table_iii_pretraining():
    c = TrainConfig()
    assert (c.lr, c.weight_decay, c.betas[0], c.batch_size, c.epochs, c.schedule, c.warmup) == \
        (1e-4, 0.1, 0.9, 512, 100, "linear", 0.1)
    assert train_preset("paper").batch_size == 512


def test_overrides_parse_yaml_values_and_nest():
    assert parse_overrides(["lr=3.0e-4", "betas=[0.9, 0.98]", "grad_clip=null", "a.b=2", "lr_scales={encoder.: 0.1}"]) \
        == {"lr": 3e-4, "betas": [0.9, 0.98], "grad_clip": None, "a": {"b": 2}, "lr_scales": {"encoder.": 0.1}}
    # YAML 1.1 reads "3e-4" as a string: float fields convert it
    assert replace(TrainConfig(), parse_overrides(["lr=3e-4"])).lr == 3e-4


def test_replace_type_checks_and_converts():
    c = replace(TrainConfig(), {"lr": 1, "betas": [0.9, 0.98], "max_steps": 7, "lr_scales": {"encoder.": 0.1}})
    assert c.lr == 1.0 and isinstance(c.lr, float) and c.betas == (0.9, 0.98) and c.max_steps == 7
    assert c.lr_scales == {"encoder.": 0.1}
    # YAML reads 1e-4 without a dot as a string; floats accept it
    assert replace(TrainConfig(), {"lr": "1e-4"}).lr == 1e-4
    assert from_dict(TrainConfig, to_dict(c)) == c


@pytest.mark.parametrize("changes, words", [
    ({"lrr": 1.0}, "unknown key(s) lrr"),
    ({"max_steps": 2.5}, "max_steps: expected an integer"),
    ({"bf16": "yes"}, "bf16: expected true/false"),
    ({"schedule": "exp"}, "schedule"),
    ({"betas": [0.9]}, "betas: expected 2 values"),
    ({"batch_size": 10, "accum_steps": 4}, "multiple of accum_steps"),
    ({"warmup": 1.5}, "warmup"),
    ({"lr": -1}, "lr"),
])
def test_bad_values_name_the_key(changes, words):
    with pytest.raises(ConfigError) as e:
        replace(TrainConfig(), changes, where="run.yaml")
    assert words in str(e.value)


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="expected key=value"):
        parse_overrides(["lr"])


def test_yaml_errors_name_the_file(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("train: [1, 2\n")
    with pytest.raises(ConfigError, match="c.yaml: invalid YAML"):
        load_yaml(p)
    p.write_text("- 1\n")
    with pytest.raises(ConfigError, match="c.yaml: top level must be a mapping"):
        load_yaml(p)
    with pytest.raises(ConfigError, match="missing.yaml: cannot read"):
        load_yaml(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match="unknown preset"):
        train_preset("huge")
