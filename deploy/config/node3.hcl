# Coffer node 3 of the three-node compose cluster (docker-compose.yml at the repository root).
# Mounted read-only at /coffer/config/coffer.hcl in service coffer-3. The other nodes are
# reached by their compose service names on the cluster's own network.

storage "raft" {
  path    = "/coffer/data"
  node_id = "node3"

  # Until this node is initialised or has joined, it asks these nodes for a join challenge;
  # an operator then unseals it with the cluster's keys (deploy/scripts/init-cluster.sh).
  retry_join {
    leader_api_addr = "http://coffer-1:8200"
  }
  retry_join {
    leader_api_addr = "http://coffer-2:8200"
  }
}

# Plain HTTP on the compose network and on 127.0.0.1 of the host only (see the port mappings).
# Put TLS in front, or configure tls_cert_file/tls_key_file, before exposing it any further.
listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  tls_disable     = true
}

# How the other nodes and redirected clients reach this one. The cluster port always speaks
# mutual TLS with certificates from the cluster's own CA, kept behind the barrier.
api_addr     = "http://coffer-3:8200"
cluster_addr = "https://coffer-3:8201"

disable_mlock = true
ui            = false
