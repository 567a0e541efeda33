# Default configuration of the Coffer image (/coffer/config/coffer.hcl): one node, raft storage
# on the /coffer/data volume, plain HTTP. Fine for trying the image out; mount your own config
# over this file for anything else (see node1.hcl ... for a three-node cluster).

storage "raft" {
  path = "/coffer/data"
  # node_id: generated at first start and kept in /coffer/data/node-id.
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true
}

api_addr     = "http://127.0.0.1:8200"
cluster_addr = "https://127.0.0.1:8201"

disable_mlock = true
ui            = false
