"""A small hand-reasoned graph every library query runs on; the comments give the facts the tests assert.

People (R*), works (W*), topics and institutions:

- R1 Alice Chen `orcid:0000-0001-0000-0001`, at Northbridge University; R2 Bob Okafor `openalex:A2`, at Southgate
  Institute; R3 Carla Diaz `openalex:A3`, at Northbridge and Eastlake Lab; R4 and R5, two people named Rui Xue known
  only by name (`name:xue|rui:1a2b3c4d`, `name:xue|rui:5e6f7a8b`), no affiliation; R6 Eve Stray `profile:eve-stray`
  with no relationship at all.
- W1 (2021, R1+R2, Topic Modeling + arXiv cs.LG), W2 "Sparse Topic Discovery" (2022, R1+R2, Topic Modeling),
  W3 (2023, R2+R3, Advanced Neural Network Applications, author list truncated: 12 authors stated),
  W4 (2023, R3+R4, both Topic Modeling and Advanced Neural Network Applications),
  W5 "Sparse topic discovery" (2023, R5, Topic Modeling: same title_key as W2, one year apart),
  W6 "Sparse Topic Discovery." (2019, no author, Topic Modeling: same title_key, too many years apart),
  W7 "Lost Preprint" (no relationship).
- Taxonomy: Topic Modeling -PART_OF-> Artificial Intelligence (subfield 1702) -PART_OF-> Computer Science (field 17)
  -PART_OF-> Physical Sciences (domain 3); Advanced Neural Network Applications -PART_OF-> Computer Vision (1707)
  -PART_OF-> Computer Science. arXiv cs.LG stands alone.
- COAUTHOR (lower id -> higher id): R2-R1 (2 works, weight 2.0), R2-R3 (1, 1.0), R4-R3 (1, 1.0).
- R1's suggestions (lists on R1): R3 (0.82) and R5 (0.4); R4 -NOT_SAME_AS-> R5; Orphan College has no link;
  one LoadRun node (not an orphan: bookkeeping).
"""

from __future__ import annotations

from neo4j import Driver

from kg import graphdb
from kg.config import Settings

R1 = "orcid:0000-0001-0000-0001"
R2 = "openalex:A2"
R3 = "openalex:A3"
R4 = "name:xue|rui:1a2b3c4d"
R5 = "name:xue|rui:5e6f7a8b"
R6 = "profile:eve-stray"
W1 = "doi:10.1000/w1"
W2 = "doi:10.1000/w2"
W3 = "arxiv:2301.00003"
W4 = "openalex:W4"
W5 = "title:5a1e0c6d2b3f4a59"
W6 = "doi:10.1000/w6"
W7 = "openalex:W7"
NORTHBRIDGE = "ror:01abcde01"
SOUTHGATE = "ror:02abcde02"
EASTLAKE = "openalex:I999"
ORPHAN_COLLEGE = "name:0123456789abcdef"
T_MODELING = "openalex:T10028"
T_NEURAL = "openalex:T10036"
AI = "openalex:subfield:1702"
CV = "openalex:subfield:1707"
CS = "openalex:field:17"
PHYS = "openalex:domain:3"
CS_LG = "arxiv:cs.LG"

# Test data, not a library query: written with literals on purpose, in one statement so the graph appears at once.
FIXTURE_CYPHER = """
CREATE (run:LoadRun {id: 'run:fixture', source: 'fixture', started_at: datetime('2026-01-01T00:00:00Z')})
CREATE (phys:Topic {id: 'openalex:domain:3', name: 'Physical Sciences', scheme: 'openalex', level: 'domain'})
CREATE (cs:Topic {id: 'openalex:field:17', name: 'Computer Science', scheme: 'openalex', level: 'field'})
CREATE (ai:Topic {id: 'openalex:subfield:1702', name: 'Artificial Intelligence', scheme: 'openalex',
                  level: 'subfield'})
CREATE (cv:Topic {id: 'openalex:subfield:1707', name: 'Computer Vision and Pattern Recognition',
                  scheme: 'openalex', level: 'subfield'})
CREATE (tm:Topic {id: 'openalex:T10028', name: 'Topic Modeling', scheme: 'openalex', level: 'topic'})
CREATE (nn:Topic {id: 'openalex:T10036', name: 'Advanced Neural Network Applications', scheme: 'openalex',
                  level: 'topic'})
CREATE (lg:Topic {id: 'arxiv:cs.LG', name: 'Machine Learning', scheme: 'arxiv', level: 'category'})
CREATE (cs)-[:PART_OF]->(phys), (ai)-[:PART_OF]->(cs), (cv)-[:PART_OF]->(cs), (tm)-[:PART_OF]->(ai),
       (nn)-[:PART_OF]->(cv)

CREATE (north:Institution {id: 'ror:01abcde01', name: 'Northbridge University', ror: '01abcde01',
                           country_code: 'GB', type: 'education', sources: ['openalex']})
CREATE (south:Institution {id: 'ror:02abcde02', name: 'Southgate Institute', ror: '02abcde02',
                           country_code: 'NG', type: 'education', sources: ['openalex']})
CREATE (east:Institution {id: 'openalex:I999', name: 'Eastlake Lab', country_code: 'US', type: 'facility',
                          sources: ['openalex']})
CREATE (:Institution {id: 'name:0123456789abcdef', name: 'Orphan College', sources: ['profile'],
                      load_run: 'run:fixture'})

CREATE (r1:Researcher {id: 'orcid:0000-0001-0000-0001', name: 'Alice Chen', name_key: 'chen|alice',
        orcid: '0000-0001-0000-0001', affiliation_status: 'known', sources: ['openalex'],
        identity_method: 'orcid', identity_confidence: 1.0, identity_evidence: ['orcid on 2 works']})
CREATE (r2:Researcher {id: 'openalex:A2', name: 'Bob Okafor', name_key: 'okafor|bob', openalex_id: 'A2',
        affiliation_status: 'known', sources: ['openalex'], identity_method: 'openalex',
        identity_confidence: 0.95, identity_evidence: ['openalex author A2']})
CREATE (r3:Researcher {id: 'openalex:A3', name: 'Carla Diaz', name_key: 'diaz|carla', openalex_id: 'A3',
        affiliation_status: 'known', sources: ['openalex'], identity_method: 'openalex',
        identity_confidence: 0.95, identity_evidence: ['openalex author A3']})
CREATE (r4:Researcher {id: 'name:xue|rui:1a2b3c4d', name: 'Rui Xue', name_key: 'xue|rui',
        affiliation_status: 'unknown', sources: ['arxiv'], identity_method: 'name',
        identity_confidence: 0.5, identity_evidence: ['name only on openalex:W4', 'co-author Carla Diaz']})
CREATE (r5:Researcher {id: 'name:xue|rui:5e6f7a8b', name: 'Rui Xue', name_key: 'xue|rui',
        affiliation_status: 'not_imported', sources: ['profile'], identity_method: 'name',
        identity_confidence: 0.4, identity_evidence: ['name only on title:5a1e0c6d2b3f4a59']})
CREATE (:Researcher {id: 'profile:eve-stray', name: 'Eve Stray', name_key: 'stray|eve', sources: ['profile'],
        load_run: 'run:fixture'})

CREATE (r1)-[:AFFILIATED_WITH {source: 'openalex'}]->(north)
CREATE (r2)-[:AFFILIATED_WITH {source: 'openalex'}]->(south)
CREATE (r3)-[:AFFILIATED_WITH {source: 'openalex'}]->(north)
CREATE (r3)-[:AFFILIATED_WITH {source: 'openalex'}]->(east)

CREATE (w1:Work {id: 'doi:10.1000/w1', title: 'Graph Attention for Topic Models',
        title_key: 'graph attention for topic models', year: 2021, author_count: 2, authors_truncated: false,
        sources: ['openalex']})
CREATE (w2:Work {id: 'doi:10.1000/w2', title: 'Sparse Topic Discovery', title_key: 'sparse topic discovery',
        year: 2022, author_count: 2, authors_truncated: false, sources: ['openalex']})
CREATE (w3:Work {id: 'arxiv:2301.00003', title: 'Vision Transformers at Scale',
        title_key: 'vision transformers at scale', year: 2023, author_count: 12, authors_truncated: true,
        sources: ['arxiv']})
CREATE (w4:Work {id: 'openalex:W4', title: 'Multimodal Topic Segmentation',
        title_key: 'multimodal topic segmentation', year: 2023, author_count: 2, authors_truncated: false,
        sources: ['openalex']})
CREATE (w5:Work {id: 'title:5a1e0c6d2b3f4a59', title: 'Sparse topic discovery',
        title_key: 'sparse topic discovery', year: 2023, author_count: 1, authors_truncated: false,
        sources: ['profile']})
CREATE (w6:Work {id: 'doi:10.1000/w6', title: 'Sparse Topic Discovery.', title_key: 'sparse topic discovery',
        year: 2019, author_count: 0, authors_truncated: false, sources: ['openalex']})
CREATE (:Work {id: 'openalex:W7', title: 'Lost Preprint', title_key: 'lost preprint', year: 2020,
        sources: ['openalex'], load_run: 'run:fixture'})

CREATE (r1)-[:AUTHORED {position: 1, raw_name: 'Alice Chen', source: 'openalex', confidence: 1.0}]->(w1)
CREATE (r2)-[:AUTHORED {position: 2, raw_name: 'B. Okafor', source: 'openalex', confidence: 0.95}]->(w1)
CREATE (r1)-[:AUTHORED {position: 1, raw_name: 'A. Chen', source: 'openalex', confidence: 1.0}]->(w2)
CREATE (r2)-[:AUTHORED {position: 2, raw_name: 'Bob Okafor', source: 'openalex', confidence: 0.95}]->(w2)
CREATE (r2)-[:AUTHORED {position: 1, raw_name: 'Bob Okafor', source: 'arxiv', confidence: 0.9}]->(w3)
CREATE (r3)-[:AUTHORED {position: 2, raw_name: 'Carla Diaz', source: 'arxiv', confidence: 0.9}]->(w3)
CREATE (r3)-[:AUTHORED {position: 1, raw_name: 'C. Diaz', source: 'openalex', confidence: 0.95}]->(w4)
CREATE (r4)-[:AUTHORED {position: 2, raw_name: 'R. Xue', source: 'openalex', confidence: 0.6}]->(w4)
CREATE (r5)-[:AUTHORED {position: 1, raw_name: 'Rui Xue', source: 'profile', confidence: 0.5}]->(w5)

CREATE (w1)-[:HAS_TOPIC {score: 0.9, method: 'source'}]->(tm)
CREATE (w1)-[:HAS_TOPIC {score: 1.0, method: 'source'}]->(lg)
CREATE (w2)-[:HAS_TOPIC {score: 0.8, method: 'source'}]->(tm)
CREATE (w3)-[:HAS_TOPIC {score: 0.9, method: 'source'}]->(nn)
CREATE (w4)-[:HAS_TOPIC {score: 0.7, method: 'source'}]->(tm)
CREATE (w4)-[:HAS_TOPIC {score: 0.6, method: 'source'}]->(nn)
CREATE (w5)-[:HAS_TOPIC {score: 0.5, method: 'vocab-v1'}]->(tm)
CREATE (w6)-[:HAS_TOPIC {score: 0.8, method: 'source'}]->(tm)

CREATE (r2)-[:COAUTHOR {shared_works: 2, weight: 2.0, first_year: 2021, last_year: 2022,
        works: ['doi:10.1000/w1', 'doi:10.1000/w2']}]->(r1)
CREATE (r2)-[:COAUTHOR {shared_works: 1, weight: 1.0, first_year: 2023, last_year: 2023,
        works: ['arxiv:2301.00003']}]->(r3)
CREATE (r4)-[:COAUTHOR {shared_works: 1, weight: 1.0, first_year: 2023, last_year: 2023,
        works: ['openalex:W4']}]->(r3)

SET r1.suggested = [r3.id, r5.id], r1.suggested_scores = [0.82, 0.4], r1.suggested_run = 'discover-1',
    r1.suggested_reasons = ['["shared topic: Topic Modeling", "co-author of your co-author Bob Okafor"]',
                            '["shared topic: Topic Modeling"]']
CREATE (r4)-[:NOT_SAME_AS {by: 'curator', at: datetime('2026-02-03T04:05:06Z'),
        why: 'different co-authors and fields'}]->(r5)
"""


def load_fixture(driver: Driver, settings: Settings) -> None:
    """Write the fixture graph into an empty database."""
    graphdb.run(driver, FIXTURE_CYPHER, write=True, settings=settings)
