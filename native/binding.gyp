{
  "targets": [
    {
      "target_name": "vrrp_socket",
      "sources": ["vrrp_socket.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
