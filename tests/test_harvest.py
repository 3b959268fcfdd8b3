"""`kg harvest` against a real HTTP server on 127.0.0.1 replaying recorded real responses: paging to the end of a
cursor, a 429 with Retry-After, a 500, a truncated body, an interrupted run that resumes. Never the internet."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from kg.config import Settings
from kg.errors import HarvestError
from kg.models import Reject, ResearcherRecord, WorkRecord
from kg.sources import parsers
from kg.sources.harvest.client import PoliteClient, Request, retry_after
from kg.sources.harvest.run import run_harvest
from kg.sources.harvest.sources import (
    Arxiv,
    Crossref,
    OpenAlex,
    Orcid,
    SemanticScholar,
    arxiv_query,
    openalex_filter,
)
from tests.replay_server import Reply, replay_server

pytestmark = pytest.mark.shared_data


def settings(url: str, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "openalex_api": url,
        "arxiv_api": f"{url}/api/query",
        "crossref_api": url,
        "orcid_api": f"{url}/v3.0",
        "s2_api": f"{url}/graph/v1",
        "mailto": "kg-tests@example.org",
        "arxiv_delay": 0,
        "s2_delay": 0,
        "openalex_delay": 0,
        "crossref_delay": 0,
        "orcid_delay": 0,
        "harvest_retries": 3,
    }
    base.update(kw)
    return Settings(**base)


def lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f]


def parsed(path: Path) -> list[Any]:
    return list(parsers.iter_records([path]))


# ---- the polite client -------------------------------------------------------------------------------------


def test_requests_are_spaced_by_the_source_delay() -> None:
    """arXiv asks for 3 s between requests: the client waits out the rest of it (a fake clock, no real sleep)."""
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        now[0] += s

    with replay_server() as srv:
        srv.add("/api/query", Reply.text("<feed xmlns='http://www.w3.org/2005/Atom'/>"))
        client = PoliteClient(delay=3.0, retries=0, max_wait=60, timeout=5, sleep=sleep, clock=lambda: now[0])
        for _ in range(3):
            client.fetch(Request(f"{srv.url}/api/query", {"search_query": "all:x"}, text=True))
            now[0] += 0.5  # the caller takes half a second with each answer
        client.close()
    assert slept == [2.5, 2.5]


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after("soon") is None and retry_after(None) is None


# ---- OpenAlex ----------------------------------------------------------------------------------------------


def _openalex_pages(shared: Path) -> list[dict[str, Any]]:
    d = shared / "openalex" / "api_pages"
    return [json.loads((d / f"parallel_chunk{i}_page1.json").read_text()) for i in (1, 2)]


def test_openalex_pages_through_a_429_until_the_cursor_ends(shared_data: Path, tmp_path: Path) -> None:
    p1, p2 = _openalex_pages(shared_data)
    c1, c2 = p1["meta"]["next_cursor"], p2["meta"]["next_cursor"]
    # OpenAlex answers the cursor after the last page with no results and a null next_cursor
    end = {"meta": {**p2["meta"], "next_cursor": None}, "results": [], "group_by": []}
    with replay_server() as srv:
        srv.add(
            "/works",
            Reply.json({"error": "slow down"}, 429, headers={"Retry-After": "1"}),
            Reply.json(p1),
            query={"cursor": "*"},
        )
        srv.add("/works", Reply.json(p2), query={"cursor": c1})
        srv.add("/works", Reply.json(end), query={"cursor": c2})
        s = settings(srv.url)
        plan = OpenAlex(
            s, search=None, filter=openalex_filter(author="https://orcid.org/0000-0001-8607-8025")
        )
        res = run_harvest(plan, tmp_path, base=s.openalex_api)
        seen = srv.requests_to("/works")
    assert (res.pages, res.records, res.requests, res.retries) == (3, 100, 4, 1)
    assert res.waited >= 1.0  # Retry-After: 1 honoured
    assert seen[0].query == {
        "per-page": "200",
        "cursor": "*",
        "filter": "authorships.author.orcid:https://orcid.org/0000-0001-8607-8025",
        "mailto": "kg-tests@example.org",
    }
    assert "mailto:kg-tests@example.org" in seen[0].headers["User-Agent"]
    saved = lines(res.output)
    assert [x["response"]["meta"]["next_cursor"] for x in saved] == [c1, c2, None]
    assert all(x["source"] == "openalex" and x["status"] == 200 for x in saved)
    recs = parsed(res.output)
    assert len(recs) == 100 and all(isinstance(r, WorkRecord) for r in recs)
    assert recs[0].title == p1["results"][0]["title"] and recs[0].prov.line == 1
    # run again: the checkpoint says it is done, nothing is fetched
    with replay_server() as srv2:
        again = run_harvest(
            OpenAlex(s, search=None, filter=plan.tasks[0]["filter"]), tmp_path, base=s.openalex_api
        )
        assert srv2.log == []
    assert again.already_done and again.records == 100


def test_a_source_that_keeps_failing_is_one_clear_error_naming_the_url(tmp_path: Path) -> None:
    with replay_server() as srv:
        srv.add("/works", Reply.json({"message": "down"}, 503))
        s = settings(srv.url, harvest_retries=1, openalex_api_key="secret-key-1")
        with pytest.raises(HarvestError) as e:
            run_harvest(OpenAlex(s, search="graphs", filter=""), tmp_path, base=s.openalex_api)
        assert len(srv.log) == 2 and srv.log[0].query["api_key"] == "secret-key-1"
    msg = str(e.value)
    assert msg.endswith(": HTTP 503 after 2 tries") and "/works?" in msg and "search=graphs" in msg
    assert "secret-key-1" not in msg  # API keys never shown


# ---- arXiv -------------------------------------------------------------------------------------------------


def test_arxiv_pages_by_start_through_a_500_until_a_page_is_empty(shared_data: Path, tmp_path: Path) -> None:
    atom = shared_data / "arxiv" / "atom"
    pages = {
        int(f.name.split("_s")[1].split("_")[0]): f.read_text() for f in atom.glob("q_testing_s*_m10_*.xml")
    }
    empty = next(atom.glob("id_0000.0000_*.xml")).read_text()  # arXiv's answer with no entries
    with replay_server() as srv:
        for start in (0, 10, 20, 30, 40, 50):
            replies = (
                [Reply.json({}, 500), Reply.text(pages[start])] if start == 10 else [Reply.text(pages[start])]
            )
            srv.add("/api/query", *replies, query={"start": str(start)})
        srv.add("/api/query", Reply.text(empty), query={"start": "60"})
        s = settings(srv.url)
        q = arxiv_query("testing", None, None, None, None)
        assert q == "all:testing"
        plan = Arxiv(s, search_query=q, ids=[], per_page=10)
        res = run_harvest(plan, tmp_path, base=s.arxiv_api)
        starts = [x.query["start"] for x in srv.log]
    assert starts == ["0", "10", "10", "20", "30", "40", "50", "60"]
    assert (res.pages, res.records, res.retries) == (7, 60, 1)
    recs = parsed(res.output)
    works = [r for r in recs if isinstance(r, WorkRecord)]
    assert len(works) == 60 and not [r for r in recs if isinstance(r, Reject)]
    assert (
        {w.prov.source for w in works} == {"arxiv"} and works[0].prov.line == 1 and works[-1].prov.line == 6
    )


def test_arxiv_query_from_options() -> None:
    assert arxiv_query(None, "cs.LG", "Xiang Song", "2020-01-01", "2020-12-31") == (
        'cat:cs.LG AND au:"Xiang Song" AND submittedDate:[202001010000 TO 202012312359]'
    )


# ---- Crossref ----------------------------------------------------------------------------------------------


def _crossref_items(shared: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (shared / "crossref" / "crossref_works.jsonl").read_text().splitlines()]


def work_list(items: list[dict[str, Any]], cursor: str | None, total: int) -> dict[str, Any]:
    """A Crossref work-list response around real work items (the shape api.crossref.org answers with)."""
    msg: dict[str, Any] = {
        "facets": {},
        "total-results": total,
        "items": items,
        "items-per-page": 2,
        "query": {},
    }
    if cursor:
        msg["next-cursor"] = cursor
    return {"status": "ok", "message-type": "work-list", "message-version": "1.0.0", "message": msg}


def test_crossref_cursor_pages_a_truncated_body_and_doi_lookups(shared_data: Path, tmp_path: Path) -> None:
    items = [x for x in _crossref_items(shared_data) if x.get("title")][:4]
    p1, p2, end = work_list(items[:2], "c1", 4), work_list(items[2:], "c2", 4), work_list([], "c3", 4)
    one = {"status": "ok", "message-type": "work", "message-version": "1.0.0", "message": items[0]}
    with replay_server() as srv:
        srv.add("/works", Reply.json(p1), query={"cursor": "*"})
        srv.add("/works", Reply.json(p2, truncate=True), Reply.json(p2), query={"cursor": "c1"})
        srv.add("/works", Reply.json(end), query={"cursor": "c2"})
        srv.add(f"/works/{items[0]['DOI'].lower()}", Reply.json(one))
        s = settings(srv.url)
        plan = Crossref(
            s, query=None, orcid="0000-0002-3302-9497", dois=[items[0]["DOI"], "10.9999/not.there"]
        )
        res = run_harvest(plan, tmp_path, base=s.crossref_api)
        listed = srv.requests_to("/works")
    assert [x.query.get("cursor") for x in listed] == ["*", "c1", "c1", "c2"]
    assert (
        listed[0].query["filter"] == "orcid:0000-0002-3302-9497"
        and listed[0].query["mailto"] == "kg-tests@example.org"
    )
    assert (res.pages, res.records, res.retries) == (4, 5, 1)
    assert res.not_found == [f"{srv.url}/works/10.9999/not.there?mailto=kg-tests%40example.org"]
    recs = parsed(res.output)
    assert [r.ids.doi for r in recs] == [x["DOI"].lower() for x in [items[0], *items]]  # type: ignore[union-attr]


# ---- ORCID -------------------------------------------------------------------------------------------------


def _orcid(shared: Path, uri_end: str) -> dict[str, Any]:
    envs = json.loads((shared / "orcid" / "orcid_v3_api_responses.json").read_text())
    return next(e["response"] for e in envs if e["uri"].endswith(uri_end))


def test_orcid_person_then_works(shared_data: Path, tmp_path: Path) -> None:
    o = "0000-0001-8607-8025"
    with replay_server() as srv:
        srv.add(f"/v3.0/{o}/person", Reply.json(_orcid(shared_data, f"{o}/person")))
        srv.add(f"/v3.0/{o}/works", Reply.json(_orcid(shared_data, f"{o}/works")))
        s = settings(srv.url)
        res = run_harvest(Orcid(s, orcids=[f"https://orcid.org/{o}"]), tmp_path, base=s.orcid_api)
        assert [x.headers["Accept"] for x in srv.log] == ["application/json"] * 2
    assert (res.pages, res.records) == (2, 75)
    people = [r for r in parsed(res.output) if isinstance(r, ResearcherRecord)]
    assert [(p.name, p.ids.orcid, len(p.works)) for p in people] == [
        ("Stephen Eglen", o, 0),
        ("Stephen Eglen", o, 74),
    ]


# ---- Semantic Scholar --------------------------------------------------------------------------------------


def _s2(shared: Path, uri_part: str, n: int = 0) -> Any:
    envs = json.loads((shared / "semanticscholar" / "s2_api_cassette_responses.json").read_text())
    return [e["response"] for e in envs if uri_part in e["uri"]][n]


def test_semantic_scholar_paper_references_author_and_batch_with_the_key_kept_secret(
    shared_data: Path, tmp_path: Path
) -> None:
    d = shared_data / "semanticscholar"
    paper = json.loads((d / "Paper_with_1000_citations.json").read_text())
    person = json.loads((d / "Author_with_60_papers.json").read_text())
    papers = person.pop("papers")
    refs0, refs50 = (
        _s2(shared_data, "/references?fields=title&offset=0"),
        _s2(shared_data, "offset=50&limit=50"),
    )
    with replay_server() as srv:
        srv.add("/graph/v1/paper/DOI:10.1093/mind/lix.236.433", Reply.json(paper))
        # its references as the /references list answers (the 14 real reference records, one page)
        srv.add(
            "/graph/v1/paper/DOI:10.1093/mind/lix.236.433/references",
            Reply.json({"offset": 0, "data": [{"citedPaper": r} for r in paper["references"]]}),
        )
        srv.add("/graph/v1/paper/DOI:10.2139/ssrn.2250500", Reply.json({"error": "Paper not found"}, 404))
        srv.add(
            "/graph/v1/paper/DOI:10.2139/ssrn.2250500/references", Reply.json(refs0), query={"offset": "0"}
        )
        srv.add(
            "/graph/v1/paper/DOI:10.2139/ssrn.2250500/references", Reply.json(refs50), query={"offset": "50"}
        )
        srv.add("/graph/v1/author/2262347", Reply.json(person))
        # the author's papers as one {data} page (the /papers list answers in this shape; the papers are real)
        srv.add("/graph/v1/author/2262347/papers", Reply.json({"offset": 0, "data": papers}))
        srv.add(
            "/graph/v1/paper/batch", Reply.json(_s2(shared_data, "paper/batch?fields=authors")), method="POST"
        )
        ids_file = tmp_path / "ids.txt"
        ids_file.write_text("CorpusId:215416146\nDOI:10.1093/mind/lix.236.433\n")
        s = settings(srv.url, s2_api_key="s2-secret")
        plan = SemanticScholar(
            s,
            papers=["DOI:10.1093/mind/lix.236.433", "DOI:10.2139/ssrn.2250500"],
            authors=["2262347"],
            batch=["CorpusId:215416146", "DOI:10.1093/mind/lix.236.433"],
            citations=False,
            references=True,
            page_size=50,
        )
        res = run_harvest(plan, tmp_path / "out", base=s.s2_api)
        assert {x.headers.get("x-api-key") for x in srv.log} == {"s2-secret"}
        batch_call = srv.requests_to("/graph/v1/paper/batch")[0]
        assert json.loads(batch_call.body) == {"ids": ["CorpusId:215416146", "DOI:10.1093/mind/lix.236.433"]}
        offsets = [x.query["offset"] for x in srv.log if x.path.endswith("/references")]
    assert offsets == [
        "0",
        "0",
        "50",
    ]  # the 1950 paper's references (one page), then two pages of the other's
    assert len(res.not_found) == 1 and "/graph/v1/paper/DOI:10.2139/ssrn.2250500?fields=" in res.not_found[0]
    assert "s2-secret" not in json.dumps(lines(res.output))
    recs = parsed(res.output)
    turing = [r for r in recs if isinstance(r, ResearcherRecord)]
    assert [(p.name, p.ids.s2) for p in turing] == [("A. Turing", "2262347")]
    works = [r for r in recs if isinstance(r, WorkRecord)]
    assert sum(1 for w in works if w.title == "Computing Machinery and Intelligence") >= 2


# ---- interrupted and resumed, through the command line ------------------------------------------------------


def _kg(args: list[str], env: dict[str, str], **kw: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kg.cli", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )


def test_a_killed_harvest_resumes_at_the_page_it_stopped_on(shared_data: Path, tmp_path: Path) -> None:
    p1, p2 = _openalex_pages(shared_data)
    c1, c2 = p1["meta"]["next_cursor"], p2["meta"]["next_cursor"]
    end = {"meta": {**p2["meta"], "next_cursor": None}, "results": [], "group_by": []}
    held = threading.Event()
    with replay_server() as srv:
        srv.add("/works", Reply.json(p1), query={"cursor": "*"})
        page2 = srv.add("/works", Reply.json(p2, hold=held), Reply.json(p2), query={"cursor": c1})
        srv.add("/works", Reply.json(end), query={"cursor": c2})
        env = {
            **os.environ,
            "KG_OPENALEX_API": srv.url,
            "KG_OPENALEX_DELAY": "0",
            "KG_MAILTO": "kg-tests@example.org",
        }
        args = ["harvest", "openalex", "--search", "graphs", "--out", str(tmp_path)]
        proc = _kg(args, env)
        assert srv.wait_for(2)  # page 1 answered and saved, page 2 asked for and held
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        held.set()
        out = next(tmp_path.glob("openalex-*.jsonl.gz"))
        assert len(lines(out)) == 1
        with out.open("ab") as f:  # a page half-written when the process died
            f.write(gzip.compress(b'{"uri": "half')[:20])
        proc2 = _kg(args, env)
        stdout, stderr = proc2.communicate(timeout=60)
        cursors = [x.query["cursor"] for x in srv.log]
    assert proc2.returncode == 0, stderr
    assert cursors == ["*", c1, c1, c2]  # page 1 was not fetched again
    assert page2.served == 2
    assert [x["response"]["meta"]["next_cursor"] for x in lines(out)] == [c1, c2, None]
    assert (
        "openalex: 3 pages, 100 records, 2 requests, 0 retries" in stdout and "resumed after page 1" in stdout
    )
    assert f"kg load {out}" in stdout


def test_harvest_help_names_the_five_sources() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kg.cli", "harvest", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert out.returncode == 0
    for name in ("openalex", "arxiv", "crossref", "orcid", "semanticscholar"):
        assert name in out.stdout


def test_a_bad_option_is_one_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kg.cli", "harvest", "openalex", "--author", "somebody"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1
    assert (
        out.stderr.strip()
        == "error: --author 'somebody' is neither an OpenAlex author id (A…) nor an ORCID iD"
    )


@pytest.mark.neo4j
def test_harvest_orcid_with_load_puts_the_person_and_works_in_the_graph(
    graph: Any, neo4j_settings: Settings, cli_env: dict[str, str], shared_data: Path, tmp_path: Path
) -> None:
    from kg import graphdb

    o = "0000-0001-8607-8025"
    with replay_server() as srv:
        srv.add(f"/v3.0/{o}/person", Reply.json(_orcid(shared_data, f"{o}/person")))
        srv.add(f"/v3.0/{o}/works", Reply.json(_orcid(shared_data, f"{o}/works")))
        env = {**cli_env, "KG_ORCID_API": f"{srv.url}/v3.0", "KG_ORCID_DELAY": "0"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kg.cli",
                "harvest",
                "orcid",
                o,
                "--out",
                str(tmp_path),
                "--load",
                "--no-derived",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stderr
    assert "orcid: 2 pages, 75 records" in done.stdout and "load run run:" in done.stdout
    rows = graphdb.run(
        graph,
        "MATCH (r:Researcher {orcid: $o}) RETURN r.name AS name, COUNT { (r)-[:AUTHORED]->() } AS works",
        {"o": o},
        settings=neo4j_settings,
    )
    assert rows == [{"name": "Stephen Eglen", "works": 67}]
