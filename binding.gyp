{
  "variables": {
    # 1 builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer, for
    # `npm run test:asan` only (scripts/test-asan.js builds it in build-asan/). Never shipped.
    "sanitize%": 0
  },
  "targets": [
    {
      "target_name": "seccomp_node",
      "conditions": [
        ["OS=='linux' and sanitize==1", {
          "cflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g"],
          "ldflags": ["-fsanitize=address,undefined"]
        }],
        ["OS=='linux'", {
          "sources": [
            "native/addon.cc",
            "native/libseccomp.cc",
            "native/filter.cc",
            "native/load.cc",
            "native/violation_report.cc",
            "native/constants.cc",
            "native/exec.cc",
            "native/exec_image.c",
            "native/prime.cc",
            "native/ptracer.cc",
            "native/landlock.cc",
            "native/every_thread.cc"
          ],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
          "cflags_c": ["-std=c11", "-Wall", "-Wextra"],
          "cflags_cc!": ["-fno-exceptions"],
          "libraries": ["-ldl"]
        }]
      ]
    }
  ]
}
