# Test-only native probes: raw system calls through a chosen ABI, a thread-local filter, a
# native thread that spins before lockdown.
# Built by test/global-setup.ts into test/native/build; never packed, never prebuilt, so
# that no shipped addon hands JavaScript a raw syscall primitive.
{
  "targets": [
    {
      "target_name": "seccomp_node_probes",
      "sources": ["probes.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
