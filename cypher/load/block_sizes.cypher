// How many researchers each blocking key holds: a block above the limit is resolved against candidates found
// for the incoming slots, not re-clustered whole.
UNWIND $blocks AS b
RETURN b AS block, COUNT { MATCH (r:Researcher) WHERE r.block_key = b } AS researchers
