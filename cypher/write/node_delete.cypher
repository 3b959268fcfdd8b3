// Nodes the resolver no longer gives (a work merged into another, a researcher re-clustered), with their edges.
UNWIND $ids AS id
MATCH (n:__LABEL__ {id: id})
DETACH DELETE n
