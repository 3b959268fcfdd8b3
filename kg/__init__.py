"""Research KG: scholarly records from many sources into one clean research knowledge graph in Neo4j."""

__version__ = "0.1.0"
