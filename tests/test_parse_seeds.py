"""The three seed pages parse to exactly what a reader sees on them, entry by entry (expected values typed by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.models import ResearcherRecord, WorkRecord
from kg.sources.parsers import detect_format, iter_records

pytestmark = pytest.mark.shared_data

PROFILE = "seeds/000_f2563290c831939d.txt"
LISTING = "seeds/001_7842cf0743cc3464.txt"
DAILY = "seeds/003_cc0be168ede23e5d.txt"

# (category, (year, month, day), has_code, title, authors, truncated, abstract start) — read off the page.
LISTING_EXPECTED = [
    ("LG", (2023, 2, 3), True, "LazyGNN: Large-Scale Graph Neural Networks via Lazy Propagation",
     ["Rui Xue", "Haoyu Han", "MohamadAli Torkamani"], True, "Recent works have demonstrated the benefits"),
    ("CL", (2025, 12, 30), False, "Training Report of TeleChat3-MoE",
     ["Xinzhang Liu", "Chao Wang", "Zhihao Yang"], True, "TeleChat3-MoE is the latest series"),
    ("IR", (2024, 2, 21), False, "Linear-Time Graph Neural Networks for Scalable Recommendations",
     ["Jiahao Zhang", "Rui Xue", "Wenqi Fan"], True, "In an era of information explosion"),
    ("CL", (2025, 7, 24), False, "Technical Report of TeleChat2, TeleChat2.5 and T1",
     ["Zihan Wang", "Xinzhang Liu", "Yitong Yao"], True, "We introduce the latest series of TeleChat models"),
    ("LG", (2023, 12, 7), False, "Efficient End-to-end Language Model Fine-tuning on Graphs",
     ["Rui Xue", "Xipeng Shen", "Ruozhou Yu"], True, "Learning from Text-Attributed Graphs (TAGs)"),
    ("LG", (2025, 11, 16), False, "VISAGNN: Versatile Staleness-Aware Efficient Training on Large-Scale Graphs",
     ["Rui Xue"], False, "Graph Neural Networks (GNNs) have shown exceptional success"),
    ("LG", (2025, 11, 25), False,
     "E2E-GRec: An End-to-End Joint Training Framework for Graph Neural Networks and Recommender Systems",
     ["Rui Xue", "Shichao Zhu", "Liang Qin"], True, "Graph Neural Networks (GNNs) have emerged as powerful"),
    ("LG", (2025, 11, 21), False,
     "CroTad: A Contrastive Reinforcement Learning Framework for Online Trajectory Anomaly Detection",
     ["Rui Xue", "Dan He", "Fengmei Jin"], True, "Detecting trajectory anomalies is a vital task"),
    ("LG", (2025, 4, 16), False,
     "H$^3$GNNs: Harmonizing Heterophily and Homophily in GNNs via Joint Structural Node Encoding and "
     "Self-Supervised Learning",
     ["Rui Xue", "Tianfu Wu"], False, "Graph Neural Networks (GNNs) struggle to balance"),
    ("CR", (2021, 6, 11), False, "Security and Privacy for Healthcare Blockchains",
     ["Rui Zhang", "Rui Xue", "Ling Liu"], False, "Healthcare blockchains provide an innovative way"),
    ("CR", (2019, 3, 18), False, "Security and Privacy on Blockchain",
     ["Rui Zhang", "Rui Xue", "Ling Liu"], False, "Blockchain offers an innovative approach"),
    ("SE", (2018, 7, 3), False, "Implementing SCRUM to develop a connected robot",
     ["Diego Armando Diaz Vargas", "Rui Xue", "Claude Baron"], True, "Agile methods are receiving a growing interest"),
]  # fmt: skip

# (title, author count, organisation, (year, month, day), upvotes, abstract start) — read off the page.
DAILY_EXPECTED = [
    ("DAG: Deep Adaptive and Generative K-Free Community Detection on Attributed Graphs", 7, None, (2025, 2, 20), None, "Community detection on attributed graphs"),
    ("Stochastic Self-Organization in Multi-Agent Systems", 3, None, (2025, 10, 1), None, "Multi-agent systems (MAS) based on"),
    ("Lattica: A Decentralized Cross-NAT Communication Framework for Scalable AI Inference and Training", 7, None, (2025, 9, 30), 1, "The rapid expansion of distributed"),
    ("DiffusionNAG: Predictor-guided Neural Architecture Generation with Diffusion Models", 5, None, (2023, 5, 26), None, "Existing NAS methods suffer"),
    ("ExpertFlow: Optimized Expert Activation and Token Allocation for Efficient Mixture-of-Experts Inference", 10, None, (2024, 10, 23), None, "Sparse Mixture of Experts (MoE) models"),
    ("pLSTM: parallelizable Linear Source Transition Mark networks", 5, None, (2025, 6, 13), 2, "Modern recurrent architectures"),
    ("Towards Data-centric Machine Learning on Directed Graphs: a Survey", 6, None, (2024, 11, 28), None, "In recent years, Graph Neural Networks"),
    ("NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search", 2, None, (2020, 1, 2), None, "Neural architecture search (NAS) has achieved"),
    ("Auto-GNN: Neural Architecture Search of Graph Neural Networks", 4, None, (2019, 9, 7), None, "Graph neural networks (GNN) has been"),
    ("GreedyViG: Dynamic Axial Graph Construction for Efficient Vision GNNs", 4, None, (2024, 5, 10), None, "Vision graph neural networks (ViG)"),
    ("AgentNet: Decentralized Evolutionary Coordination for LLM-based Multi-Agent Systems", 7, None, (2025, 4, 1), None, "The rapid advancement of large language models"),
    ("PA&DA: Jointly Sampling PAth and DAta for Consistent NAS", 7, None, (2023, 2, 28), None, "Based on the weight-sharing mechanism"),
    ("Domain Adversarial Spatial-Temporal Network: A Transferable Framework for Short-term Traffic Forecasting across Cities", 6, None, (2022, 2, 7), None, "Accurate real-time traffic forecast"),
    ("Learned Low Precision Graph Neural Networks", 6, None, (2020, 9, 19), None, "Deep Graph Neural Networks (GNNs) show"),
    ("CoLiDE: Concomitant Linear DAG Estimation", 3, None, (2023, 10, 4), None, "We deal with the combinatorial problem"),
    ("Reliable and Efficient Multi-Agent Coordination via Graph Neural Network Variational Autoencoders", 6, None, (2025, 3, 4), 2, "Multi-agent coordination is crucial"),
    ("Breaking the Entanglement of Homophily and Heterophily in Semi-supervised Node Classification", 6, None, (2023, 12, 7), None, "Recently, graph neural networks (GNNs)"),
    ("Decentralized Diffusion Models", 4, None, (2025, 1, 9), 1, "Large-scale AI model training divides"),
    ("Understanding Graph Databases: A Comprehensive Tutorial and Survey", 3, None, (2024, 11, 15), None, "This tutorial serves as a comprehensive guide"),
    ("Prime Collective Communications Library -- Technical Report", 5, None, (2025, 5, 20), None, "This report presents the Prime Collective"),
    ("GNNPipe: Scaling Deep GNN Training with Pipelined Model Parallelism", 3, None, (2023, 8, 19), None, "Communication is a key bottleneck"),
    ("PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search", 7, None, (2019, 7, 12), None, "Differentiable architecture search (DARTS)"),
    ("Bridging Academia and Industry: A Comprehensive Benchmark for Attributed Graph Clustering", None, "Ant Group", (None, 2, 9), 2, "Attributed Graph Clustering (AGC) is"),
    ("Boosting Large-scale Parallel Training Efficiency with C4: A Communication-Driven Approach", 25, None, (2024, 6, 6), None, "The emergence of Large Language Models"),
    ("Optimizing NOTEARS Objectives via Topological Swaps", 4, None, (2023, 5, 26), None, "Recently, an intriguing class"),
    ("Fast and Eager k-Medoids Clustering: O(k) Runtime Improvement of the PAM, CLARA, and CLARANS Algorithms", 2, None, (2020, 8, 12), None, "Clustering non-Euclidean data is difficult"),
    ("SambaNova SN40L: Scaling the AI Memory Wall with Dataflow and Composition of Experts", 30, None, (2024, 5, 13), None, "Monolithic large language models (LLMs)"),
    ("Challenging the Need for Packet Spraying in Large-Scale Distributed Training", 3, None, (2024, 6, 29), None, "Large-scale distributed training in production"),
    ("DADAO: Decoupled Accelerated Decentralized Asynchronous Optimization", 2, None, (2022, 7, 26), None, "This work introduces DADAO"),
    ("AgentSkiller: Scaling Generalist Agent Intelligence through Semantically Integrated Cross-Domain Data Synthesis", 7, None, (None, 2, 9), None, "Large Language Model agents demonstrate"),
    ("G-Rank: Unsupervised Continuous Learn-to-Rank for Edge Devices in a P2P Network", 2, None, (2023, 1, 29), None, "Ranking algorithms in traditional search engines"),
    ("HDEE: Heterogeneous Domain Expert Ensemble", None, "Gensyn", (2025, 2, 26), None, "Training dense LLMs requires"),
    ("Large Graph Convolutional Network Training with GPU-Oriented Data Communication Architecture", 8, None, (2021, 3, 4), None, "Graph Convolutional Networks (GCNs) are"),
    ("Sequential Gradient Coding For Straggler Mitigation", 3, None, (2022, 11, 24), None, "In distributed computing, slower nodes"),
    ("Divide-Then-Aggregate: An Efficient Tool Learning Method via Parallel Tool Invocation", 7, None, (2025, 1, 21), None, "Although current Large Language Models"),
    ("Serving Large Language Models on Huawei CloudMatrix384", 46, None, (2025, 6, 14), None, "The rapid evolution of large language models"),
    ("ProxylessNAS: Direct Neural Architecture Search on Target Task and Hardware", 3, None, (2018, 12, 2), None, "Neural architecture search (NAS) has a great impact"),
    ("Neighborhood-aware Scalable Temporal Network Representation Learning", 2, None, (2022, 9, 2), None, "Temporal networks have been widely used"),
    ("CO2: Efficient Distributed Training with Full Communication-Computation Overlap", 8, None, (2024, 1, 29), None, "The fundamental success of large language models"),
    ("A General Theory for Federated Optimization with Asynchronous and Heterogeneous Clients Updates", 4, None, (2022, 6, 21), None, "We propose a novel framework"),
    ("Task Memory Engine (TME): A Structured Memory Framework with Graph-Aware Extensions for Multi-Step LLM Agent Tasks", 1, None, (2025, 4, 11), None, "Large Language Models (LLMs) are increasingly"),
    ("LSM-GNN: Large-scale Storage-based Multi-GPU GNN Training by Optimizing Data Transfer Scheme", 6, None, (2024, 7, 21), None, "Graph Neural Networks (GNNs) are widely used"),
    ("Rethinking Architecture Selection in Differentiable NAS", 5, None, (2021, 8, 9), None, "Differentiable Neural Architecture Search"),
    ("SOFTS: Efficient Multivariate Time Series Forecasting with Series-Core Fusion", 4, None, (2024, 4, 22), None, "Multivariate time series forecasting plays"),
    ("A Topological Perspective on Demystifying GNN-Based Link Prediction Performance", 7, None, (2023, 10, 6), None, "Graph Neural Networks (GNNs) have shown great promise"),
    ("Streaming DiLoCo with overlapping communication: Towards a Distributed Free Lunch", 14, None, (2025, 1, 30), 7, "Training of large language models (LLMs)"),
    ("Efficient and Scalable Agentic AI with Heterogeneous Systems", 3, None, (2025, 7, 25), None, "AI agents are emerging as a dominant workload"),
]  # fmt: skip

# (type, year, venue, title, abstract start) — the profile's "Published work" list, in page order.
PROFILE_WORKS = [
    ("preprint", 2026, "arXiv",
     "DualKV: Shared-Prompt Flash Attention for Efficient RL Training with Large Rollouts and Long Contexts",
     "Modern RL post-training methods such as GRPO and DAPO"),
    ("preprint", 2022, "arXiv",
     "ColdGuess: A General and Effective Relational Graph Convolutional Network to Tackle Cold Start Cases",
     "Low-quality listings and bad actor behavior"),
    ("preprint", 2022, "arXiv",
     "Distributed Hybrid CPU and GPU training for Graph Neural Networks on Billion-Scale Graphs",
     "Graph neural networks (GNN) have shown great success"),
    ("preprint", 2022, "arXiv", "Efficient and effective training of language and graph neural network models",
     "Can we combine heterogenous graph structure with text"),
    ("preprint", 2022, "arXiv", "TGL: A General Framework for Temporal GNN Training on Billion-Scale Graphs",
     "Many real world graphs contain time domain information."),
    ("preprint", 2020, "arXiv",
     "COVID-19 Knowledge Graph: Accelerating Information Retrieval and Discovery for Scientific Literature",
     "The coronavirus disease (COVID-19) has claimed the lives"),
    ("preprint", 2020, "arXiv",
     "Deep Graph Library: A Graph-Centric, Highly-Performant Package for Graph Neural Networks",
     "Advancing research in the emerging field of deep graph learning"),
    ("preprint", 2020, "arXiv", "DGL-KE: Training Knowledge Graph Embeddings at Scale",
     "Knowledge graphs have emerged as a key abstraction"),
    ("preprint", 2020, "arXiv", "Repurpose Open Data to Discover Therapeutics for COVID-19 using Deep Learning",
     "There have been more than 850,000 confirmed cases"),
]  # fmt: skip


def _works(path: Path) -> list[WorkRecord]:
    out = list(iter_records([path]))
    assert [o.kind for o in out if o.kind == "reject"] == []
    return [o for o in out if isinstance(o, WorkRecord)]


def test_the_seed_pages_are_detected_by_content(shared_data: Path) -> None:
    def fmt(rel: str) -> str:
        p = shared_data / rel
        return detect_format(p, p.read_bytes()[:65536])

    assert (fmt(PROFILE), fmt(LISTING), fmt(DAILY)) == ("profile", "arxiv-listing", "daily-papers")


def test_listing_seed_every_entry(shared_data: Path) -> None:
    works = _works(shared_data / LISTING)
    assert len(works) == len(LISTING_EXPECTED) == 12
    for w, (cat, ymd, code, title, authors, truncated, abstract) in zip(works, LISTING_EXPECTED, strict=True):
        assert w.title == title
        assert [a.name for a in w.authors] == authors, title
        assert [a.position for a in w.authors] == list(range(1, len(authors) + 1))
        assert w.authors_truncated is truncated, title
        assert w.author_count == (None if truncated else len(authors))
        assert (w.year, w.month, w.day) == ymd, title
        assert w.categories == [cat]
        assert w.has_code is code
        assert w.abstract is not None and w.abstract.startswith(abstract), title
        assert (w.score, w.upvotes, w.organisation) == (None, None, None)
        assert w.prov.source == "arxiv-listing"
    # provenance: the title line of each entry (header, title, abstract: three lines per entry)
    assert [w.prov.line for w in works] == [2 + 3 * i for i in range(12)]


def test_daily_seed_every_entry(shared_data: Path) -> None:
    works = _works(shared_data / DAILY)
    assert len(works) == len(DAILY_EXPECTED) == 47
    for w, (title, count, org, ymd, upvotes, abstract) in zip(works, DAILY_EXPECTED, strict=True):
        assert w.title == title
        assert w.author_count == count, title
        assert w.organisation == org, title
        assert (w.year, w.month, w.day) == ymd, title
        assert w.upvotes == upvotes, title
        assert w.abstract is not None and w.abstract.startswith(abstract), title
        assert w.authors == [] and w.authors_truncated is True  # the page names no authors
        assert (w.categories, w.has_code, w.score) == ([], None, None)
        assert w.prov.source == "daily-papers"
    assert [w.prov.line for w in works] == [13 + 8 * i for i in range(47)]


def test_profile_seed_person_and_every_work(shared_data: Path) -> None:
    out = list(iter_records([shared_data / PROFILE]))
    assert len(out) == 1
    p = out[0]
    assert isinstance(p, ResearcherRecord)
    assert p.name == "Xiang Song"
    assert p.headline == "Xiang Song contributes to research discovery and scholarly infrastructure."
    assert (p.affiliation, p.affiliation_status) == (None, "not_imported")
    assert (p.trust_score, p.trust_label) == (21, "Emerging")
    assert p.verification_level == "L1"
    assert p.claimed is False
    assert p.open_to_collaborate is True
    assert p.reported.model_dump() == {"works": 9, "followers": 0, "topics": 6, "close_collaborators": 4}
    assert p.ids.profile == "song|xiang"
    assert p.prov.source == "profile"
    assert len(p.works) == 9 == p.reported.works
    for w, (typ, year, venue, title, abstract) in zip(p.works, PROFILE_WORKS, strict=True):
        assert (w.type, w.year, w.venue, w.title) == (typ, year, venue, title)
        assert w.abstract is not None and w.abstract.startswith(abstract), title
        assert w.prov.source == "profile"
    # the abstract is kept whole, LaTeX and all
    assert p.works[0].abstract is not None and p.works[0].abstract.endswith("to avoid OOM).")
