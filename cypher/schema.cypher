// Research KG schema: uniqueness on `id` for every node label, lookup indexes for the properties loaders
// match on, and full-text indexes for search. Every statement is IF [NOT] EXISTS: `kg schema apply` is idempotent.
CREATE CONSTRAINT researcher_id IF NOT EXISTS FOR (n:Researcher) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT work_id IF NOT EXISTS FOR (n:Work) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT topic_id IF NOT EXISTS FOR (n:Topic) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT loadrun_id IF NOT EXISTS FOR (n:LoadRun) REQUIRE n.id IS UNIQUE;
CREATE INDEX work_doi IF NOT EXISTS FOR (n:Work) ON (n.doi);
CREATE INDEX work_arxiv_id IF NOT EXISTS FOR (n:Work) ON (n.arxiv_id);
CREATE INDEX work_openalex_id IF NOT EXISTS FOR (n:Work) ON (n.openalex_id);
CREATE INDEX work_title_key IF NOT EXISTS FOR (n:Work) ON (n.title_key);
CREATE INDEX work_year IF NOT EXISTS FOR (n:Work) ON (n.year);
CREATE INDEX researcher_orcid IF NOT EXISTS FOR (n:Researcher) ON (n.orcid);
CREATE INDEX researcher_openalex_id IF NOT EXISTS FOR (n:Researcher) ON (n.openalex_id);
CREATE INDEX researcher_name_key IF NOT EXISTS FOR (n:Researcher) ON (n.name_key);
CREATE INDEX researcher_block_key IF NOT EXISTS FOR (n:Researcher) ON (n.block_key);
CREATE INDEX institution_ror IF NOT EXISTS FOR (n:Institution) ON (n.ror);
CREATE INDEX institution_openalex_id IF NOT EXISTS FOR (n:Institution) ON (n.openalex_id);
CREATE INDEX topic_name IF NOT EXISTS FOR (n:Topic) ON (n.name);
CREATE INDEX topic_level IF NOT EXISTS FOR (n:Topic) ON (n.level);
CREATE FULLTEXT INDEX researcher_names IF NOT EXISTS FOR (n:Researcher) ON EACH [n.name, n.aliases];
CREATE FULLTEXT INDEX work_text IF NOT EXISTS FOR (n:Work) ON EACH [n.title, n.abstract];
CREATE FULLTEXT INDEX topic_names IF NOT EXISTS FOR (n:Topic) ON EACH [n.name, n.keywords];
CREATE FULLTEXT INDEX institution_names IF NOT EXISTS FOR (n:Institution) ON EACH [n.name];
// Retired with the in-database resolver (identity is resolved in the stage store now): nothing reads them, and
// every write paid for them. Dropped from databases made before.
DROP CONSTRAINT load_lock_key IF EXISTS;
DROP INDEX researcher_identity_keys IF EXISTS;
DROP INDEX work_ids IF EXISTS;
