{
  "targets": [
    {
      "target_name": "seccomp_node",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/addon.cc",
            "native/libseccomp.cc",
            "native/filter.cc",
            "native/load.cc",
            "native/violation_report.cc",
            "native/constants.cc",
            "native/exec.cc",
            "native/prime.cc",
            "native/ptracer.cc"
          ],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
          "cflags_cc!": ["-fno-exceptions"],
          "libraries": ["-ldl"]
        }]
      ]
    }
  ]
}
