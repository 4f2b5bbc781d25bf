"""Markdown tables laid out like the paper's result tables (Tables IV-XI).

Every helper takes ``rows``: an ordered mapping from a row name (e.g. "Scratch", "Pre-trained") to either
one metrics dict (single column group) or a mapping from a group name (a split such as "dev"/"test", or a
dataset) to a metrics dict. A metrics dict is what the result objects' ``to_dict()`` return (or the object
itself). Missing values print as "-". Numbers print with two decimals (one for retrieval, as Table X).

Keys: ISLR ``per_instance_top1 per_instance_top5 per_class_top1 per_class_top5``; CSLR ``del ins wer``;
SLT ``bleu1 bleu2 bleu4 rouge``; retrieval ``t2v_r1 t2v_r5 t2v_r10 t2v_medr v2t_r1 ... v2t_medr``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ISLR_COLUMNS = (
    ("Per-instance Top-1", "per_instance_top1"), ("Per-instance Top-5", "per_instance_top5"),
    ("Per-class Top-1", "per_class_top1"), ("Per-class Top-5", "per_class_top5"),
)
SLT_COLUMNS = (("B-1", "bleu1"), ("B-2", "bleu2"), ("B-4", "bleu4"), ("ROUGE", "rouge"))
RETRIEVAL_COLUMNS = tuple(
    (f"{d.upper()} {label}", f"{d}_{key}")
    for d in ("t2v", "v2t")
    for label, key in (("R@1", "r1"), ("R@5", "r5"), ("R@10", "r10"), ("MedR", "medr"))
)


def _as_dict(m: Any) -> Mapping[str, Any]:
    return m.to_dict() if hasattr(m, "to_dict") else m


def _fmt(v: Any, digits: int) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _is_grouped(row: Any) -> bool:
    m = _as_dict(row)
    return isinstance(m, Mapping) and bool(m) and all(isinstance(_as_dict(v), Mapping) for v in m.values())


def _groups(rows: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for row in rows.values():
        if _is_grouped(row):
            for g in _as_dict(row):
                if g not in seen:
                    seen.append(g)
    return seen


def _markdown(header: Sequence[str], body: Sequence[Sequence[str]], title: str | None) -> str:
    lines = [f"**{title}**", ""] if title else []
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|")
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + "\n"


def metrics_table(
    rows: Mapping[str, Any],
    columns: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    digits: int = 2,
    first_column: str = "Method",
) -> str:
    """Generic table: one line per row name; columns = (label, key) pairs, repeated per group if grouped."""
    groups = _groups(rows)
    header = [first_column]
    if groups:
        header += [f"{g.capitalize()} {label}" for g in groups for label, _ in columns]
    else:
        header += [label for label, _ in columns]
    body = []
    for name, row in rows.items():
        m = _as_dict(row)
        if groups:
            cells = []
            for g in groups:
                gm = _as_dict(m.get(g, {})) if _is_grouped(row) else {}
                cells += [_fmt(gm.get(key), digits) for _, key in columns]
        else:
            cells = [_fmt(m.get(key), digits) for _, key in columns]
        body.append([name, *cells])
    return _markdown(header, body, title)


def islr_table(rows: Mapping[str, Any], *, title: str | None = None) -> str:
    """ISLR (Tables IV-V): Per-instance Top-1/Top-5, Per-class Top-1/Top-5 (%)."""
    return metrics_table(rows, ISLR_COLUMNS, title=title)


def _del_ins(m: Mapping[str, Any]) -> str:
    d, i = m.get("del"), m.get("ins")
    return "-" if d is None or i is None else f"{d:.1f}/{i:.1f}"


def cslr_table(rows: Mapping[str, Any], *, title: str | None = None) -> str:
    """CSLR (Table VIII): del/ins and WER (%) per group, one decimal as in the paper."""
    groups = _groups(rows)
    header = ["Method"]
    header += [h for g in groups for h in (f"{g.capitalize()} del/ins", f"{g.capitalize()} WER")] if groups else ["del/ins", "WER"]
    body = []
    for name, row in rows.items():
        m = _as_dict(row)
        if groups:
            cells = []
            for g in groups:
                gm = _as_dict(m.get(g, {})) if _is_grouped(row) else {}
                cells += [_del_ins(gm), _fmt(gm.get("wer"), 1)]
        else:
            cells = [_del_ins(m), _fmt(m.get("wer"), 1)]
        body.append([name, *cells])
    return _markdown(header, body, title)


def slt_table(rows: Mapping[str, Any], *, title: str | None = None) -> str:
    """Gloss-free SLT (Tables IX, XI): B-1, B-2, B-4, ROUGE (%) per group."""
    return metrics_table(rows, SLT_COLUMNS, title=title)


def retrieval_table(rows: Mapping[str, Any], *, title: str | None = None) -> str:
    """Retrieval (Table X): T2V R@1 R@5 R@10 MedR, V2T R@1 R@5 R@10 MedR, one decimal."""
    return metrics_table(rows, RETRIEVAL_COLUMNS, title=title, digits=1)
