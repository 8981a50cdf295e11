-- The nodes of a cluster, numbered once per name: a node's connection ids start at its number
-- shifted left by 40 bits, so an id names one connection across the cluster.
CREATE TABLE nodes (
    id    BIGSERIAL PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);
