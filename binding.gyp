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
            "native/landlock_ruleset.c",
            "native/every_thread.cc",
            "native/supervisor.cc"
          ],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
          "cflags_c": ["-std=c11", "-Wall", "-Wextra"],
          "cflags_cc!": ["-fno-exceptions"],
          "libraries": ["-ldl"]
        }]
      ]
    },
    {
      # The launcher (native/launcher.c) that starts a sandboxed child: a small C program
      # beside the addon (build/Release, or the prebuild's directory), found at run time the
      # way the addon is (src/children/launcher/binary.ts). Static and without a C library (its own
      # runtime, native/launcher_runtime.c): it starts in microseconds and needs nothing from
      # the machine. Never built with the sanitizers: it is exec'd, not loaded.
      "target_name": "seccomp-node-launcher",
      "type": "executable",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "native/launcher.c",
            "native/launcher_runtime.c",
            "native/exec_image.c",
            "native/landlock_ruleset.c"
          ],
          "cflags!": ["-fPIC", "-pthread"],
          "cflags": ["-O2", "-fno-stack-protector", "-fno-tree-loop-distribute-patterns", "-U_FORTIFY_SOURCE",
                     "-fno-asynchronous-unwind-tables"],
          "cflags_c": ["-std=gnu11", "-Wall", "-Wextra"],
          "ldflags!": ["-pthread", "-rdynamic"],
          "ldflags": ["-nostdlib", "-static", "-no-pie"],
          "libraries": ["-lgcc"]
        }]
      ]
    }
  ]
}
