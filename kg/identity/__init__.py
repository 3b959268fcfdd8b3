"""Identity resolution, pure code: one Work per paper and one Researcher per person, a function of the SET of things
seen (records, ids, authorship mentions, curation decisions), never of the order they arrived in.

The package's face; each job has its module:

- `names`: name keys, blocking keys and their variants (cached kg.normalize functions).
- `works`: which records are one paper (shared DOI / arXiv / OpenAlex id, or title within ±1 year) and the merged
  Work's properties.
- `mentions`: authorship mentions and their unification into author slots per work (`unify_mentions`).
- `context`: `SlotContext` (a slot with the evidence its work gives), `Decision` (curated SAME_AS / NOT_SAME_AS),
  `Cluster` (a researcher).
- `features` and `model`: the pairwise features and the trained model scoring two slots (same person or not).
- `merge`: the group features (two groups' pooled evidence) the group model scores in the two-step linkage.
- `cluster`: `cluster_block`, constrained agglomerative clustering over the model's pair probabilities (and, with
  the two-step linkage, over the group model's scores of the groups the first step made), with a confidence per
  slot and human-readable evidence per researcher.
- `probe`: tokens of a slot's evidence; in a large block only pairs sharing one are scored (`cluster`).
- `train`: `kg identity train`; `curation`: curated decisions in the graph.
"""

from __future__ import annotations

from kg.identity.cluster import (
    FLAT_CONFIDENCE_METHODS,
    IDENTITY_COAUTHOR_CAP,
    LINK_THRESHOLD,
    STRONG_EVIDENCE_KINDS,
    cluster_block,
    cluster_evidence,
    is_link_reason,
    merged_evidence,
    name_from_counts,
    researcher_strong_id,
    spelling_counts,
    strong_slot_confidence,
    weak_count,
)
from kg.identity.context import Cluster, Decision, SlotContext, category_label
from kg.identity.mentions import Mention, Slot, institution_id, mention_from_author, unify_mentions
from kg.identity.names import block_key, block_keys, given_compatible, name_key, split_name
from kg.identity.probe import (
    FREE_TOKENS,
    MAX_PROBE_TOKENS,
    feature_token,
    id_token,
    identity_keys,
    probe_query,
    slot_tokens,
    typed_strong_ids,
)
from kg.identity.works import (
    SOURCE_RANK,
    WorkItem,
    best_id,
    first_refs,
    group_works,
    ids_of_type,
    merge_work_props,
    parse_title_years,
    rank,
    title_id,
    title_year_entry,
    work_typed_ids,
)
from kg.normalize import short_hash

__all__ = [
    "FLAT_CONFIDENCE_METHODS",
    "FREE_TOKENS",
    "IDENTITY_COAUTHOR_CAP",
    "LINK_THRESHOLD",
    "MAX_PROBE_TOKENS",
    "SOURCE_RANK",
    "STRONG_EVIDENCE_KINDS",
    "Cluster",
    "Decision",
    "Mention",
    "Slot",
    "SlotContext",
    "WorkItem",
    "best_id",
    "block_key",
    "block_keys",
    "category_label",
    "cluster_block",
    "cluster_evidence",
    "feature_token",
    "first_refs",
    "given_compatible",
    "group_works",
    "id_token",
    "identity_keys",
    "ids_of_type",
    "institution_id",
    "is_link_reason",
    "mention_from_author",
    "merge_work_props",
    "merged_evidence",
    "name_from_counts",
    "name_key",
    "parse_title_years",
    "probe_query",
    "rank",
    "researcher_strong_id",
    "short_hash",
    "slot_tokens",
    "spelling_counts",
    "split_name",
    "strong_slot_confidence",
    "title_id",
    "title_year_entry",
    "typed_strong_ids",
    "unify_mentions",
    "weak_count",
    "work_typed_ids",
]
