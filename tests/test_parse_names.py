"""The title/author splitter on hand-written listing lines that are not in the seeds (pure code, no database)."""

from __future__ import annotations

import pytest

from kg.sources.parsers.names import Split, is_name, split_title_authors


@pytest.mark.parametrize(
    ("line", "title", "authors", "truncated"),
    [
        # lower-case title end → capitalised given name
        ("Sparse Attention for Long DocumentsMaria Lopez, Kenji Tanaka",
         "Sparse Attention for Long Documents", ["Maria Lopez", "Kenji Tanaka"], False),
        # title ending in an acronym: the name starts where an upper-case letter is followed by lower case
        ("Scaling Laws for GNNPriya Natarajan, Tom Baker et al.",
         "Scaling Laws for GNN", ["Priya Natarajan", "Tom Baker"], True),
        ("A Benchmark for LLM Agents in the UKOliver Smith",
         "A Benchmark for LLM Agents in the UK", ["Oliver Smith"], False),
        # title ending in a capitalised word
        ("Attention Is All You NeedAshish Vaswani, Noam Shazeer, Niki Parmar et al.",
         "Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"], True),
        # title ending in a digit, and commas inside the title
        ("Llama 2, Llama 3 and Beyond: Open Models at Scale 3Hugo Touvron, Louis Martin",
         "Llama 2, Llama 3 and Beyond: Open Models at Scale 3", ["Hugo Touvron", "Louis Martin"], False),
        # closing punctuation before the first name
        ("Do Transformers Dream of Graphs?Anna Schmidt, Luca Rossi",
         "Do Transformers Dream of Graphs?", ["Anna Schmidt", "Luca Rossi"], False),
        ("Message Passing (Revisited)Wei Chen",
         "Message Passing (Revisited)", ["Wei Chen"], False),
        # a compound given name inside the list; single-author lines
        ("Graph Rewiring at ScaleLi Wei, MohamadAli Torkamani, Jean-Pierre Dupont et al.",
         "Graph Rewiring at Scale", ["Li Wei", "MohamadAli Torkamani", "Jean-Pierre Dupont"], True),
        ("On the Expressivity of Message PassingXiao-Ming Zhang",
         "On the Expressivity of Message Passing", ["Xiao-Ming Zhang"], False),
        # initials, particles, apostrophes, suffixes
        ("Robust Estimation under ShiftJ. R. R. Tolkien, Ludwig van Beethoven",
         "Robust Estimation under Shift", ["J. R. R. Tolkien", "Ludwig van Beethoven"], False),
        ("Kernel Methods RevisitedSinead O'Brien, Martin Luther King Jr.",
         "Kernel Methods Revisited", ["Sinead O'Brien", "Martin Luther King Jr."], False),
        # accented and CJK names
        ("Optimal Transport for Domain AdaptationŁukasz Kaiser, Zoë Müller",
         "Optimal Transport for Domain Adaptation", ["Łukasz Kaiser", "Zoë Müller"], False),
        ("Graph Learning for Chinese Text张伟, 李娜",
         "Graph Learning for Chinese Text", ["张伟", "李娜"], False),
        # "and" before the last author
        ("Deep Sets RevisitedAlice Smith, Bob Jones and Carol White",
         "Deep Sets Revisited", ["Alice Smith", "Bob Jones", "Carol White"], False),
        # names in capitals, initials glued together, typographic hyphens
        ("Reef Finance in the Coral TriangleJULIAN CLIFTON, MARIA G. SANTOS",
         "Reef Finance in the Coral Triangle", ["JULIAN CLIFTON", "MARIA G. SANTOS"], False),
        ("Status of Food Crops in IndiaR.T. Gahukar",
         "Status of Food Crops in India", ["R.T. Gahukar"], False),
        ("Long-Term Field DataOwen R. Jones, Tim Clutton‐Brock",
         "Long-Term Field Data", ["Owen R. Jones", "Tim Clutton‐Brock"], False),
        # family name first with initials; lower-case apostrophe prefixes
        ("Are Costs Altered by Scale?Carlson Kimberly M, Curran Lisa M",
         "Are Costs Altered by Scale?", ["Carlson Kimberly M", "Curran Lisa M"], False),
        ("Tuning Correlation EffectsJ. P. Hague, N. d'Ambrumenil",
         "Tuning Correlation Effects", ["J. P. Hague", "N. d'Ambrumenil"], False),
        # LaTeX and a dash before the first name
        ("Spaces $H^{p,q}$Wael Abu-Shammala, Alberto Torchinsky",
         "Spaces $H^{p,q}$", ["Wael Abu-Shammala", "Alberto Torchinsky"], False),
        ("Remarks on Sterile Neutrinos --Ryo Takahashi",
         "Remarks on Sterile Neutrinos --", ["Ryo Takahashi"], False),
        # a title segment that looks like a name once glued ("Costa RicaFlorence Bernard")
        ("A Case Study of Tapanti National Park, Costa RicaFlorence Bernard, Rudolf S. de Groot",
         "A Case Study of Tapanti National Park, Costa Rica", ["Florence Bernard", "Rudolf S. de Groot"], False),
        ("Politics: Security, Economy, IdentityPaul R. Viotti, Mark V. Kauppi",
         "Politics: Security, Economy, Identity", ["Paul R. Viotti", "Mark V. Kauppi"], False),
        # four-token names
        ("Implementing Agile in HardwareDiego Armando Diaz Vargas, Rui Xue",
         "Implementing Agile in Hardware", ["Diego Armando Diaz Vargas", "Rui Xue"], False),
    ],
)  # fmt: skip
def test_split_title_authors(line: str, title: str, authors: list[str], truncated: bool) -> None:
    assert split_title_authors(line) == Split(title=title, authors=authors, truncated=truncated)


def test_compound_first_author_is_ambiguous_without_known_names_and_right_with_them() -> None:
    line = "Lazy Propagation for GNNsMohamadAli Torkamani, Rui Xue"
    # shape alone prefers the plain name "Ali Torkamani" (a title word glued to a name is more common)
    assert split_title_authors(line).authors == ["Ali Torkamani", "Rui Xue"]
    known = {"MohamadAli Torkamani"}
    assert split_title_authors(line, known) == Split(
        title="Lazy Propagation for GNNs", authors=["MohamadAli Torkamani", "Rui Xue"]
    )
    # name keys work as well as names
    assert split_title_authors(line, {"torkamani|mohamadali"}).authors[0] == "MohamadAli Torkamani"


def test_product_name_at_the_end_of_a_title_is_not_eaten_by_the_name() -> None:
    s = split_title_authors("Distributed Training with TensorFlowJohn Smith, Ana Silva")
    assert s == Split(title="Distributed Training with TensorFlow", authors=["John Smith", "Ana Silva"])


def test_a_line_with_no_name_shape_is_flagged_not_guessed() -> None:
    s = split_title_authors("a title in lower case with no authors at all")
    assert s.confident is False
    assert s.title == "a title in lower case with no authors at all"
    assert s.authors == []


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Rui Xue", True),
        ("MohamadAli Torkamani", True),
        ("C.-P. Yuan", True),
        ("Ludwig van Beethoven", True),
        ("张伟", True),
        ("Rui XUE", True),
        ("GNN RAG", False),
        ("JULIAN CLIFTON", True),
        ("Carlson Kimberly M", True),
        ("South AfricaBruce Aylward", False),
        ("Technical Report of TeleChat2", False),
        ("TeleChat2.5 and T1Zihan Wang", False),
        ("van Beethoven", False),
        ("Graph", False),
    ],
)
def test_is_name(text: str, ok: bool) -> None:
    assert is_name(text) is ok
