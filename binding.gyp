{
  "targets": [
    {
      "target_name": "stn_native",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); s.kernels.concat(s.addon).join(' ')\")"
      ],
      "include_dirs": [
        "native",
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-O3", "-fopenmp", "-ffp-contract=off", "-Wall", "-Wextra"],
      "ldflags": ["-fopenmp"]
    }
  ]
}
