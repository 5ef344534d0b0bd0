{
  "targets": [
    {
      "target_name": "vrrp_socket",
      "sources": ["vrrp_socket.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
