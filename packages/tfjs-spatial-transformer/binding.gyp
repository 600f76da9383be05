{
  "variables": {
    "stn_cflags_cc": [
      "-std=c++17",
      "-O3",
      "-fopenmp",
      "-ffp-contract=off",
      "-fvisibility=hidden",
      "-Wall",
      "-Wextra"
    ]
  },
  "target_defaults": {
    "include_dirs": [
      "native"
    ],
    "cflags!": [
      "-fno-exceptions"
    ],
    "cflags_cc!": [
      "-fno-exceptions",
      "-std=gnu++17",
      "-std=gnu++14"
    ],
    "cflags_cc": [
      "<@(stn_cflags_cc)"
    ]
  },
  "targets": [
    {
      "target_name": "stn_isa_avx2",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').kernels_avx2.join(' ')\")"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "-mavx2"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "stn_isa_avx512",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('./native/sources.json').kernels_avx512.join(' ')\")"
      ],
      "conditions": [
        [
          "target_arch=='x64'",
          {
            "cflags_cc": [
              "-mavx512f",
              "-mavx512bw",
              "-mavx512dq",
              "-mavx512vl",
              "-mprefer-vector-width=512"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "stn_native",
      "dependencies": [
        "stn_isa_avx2",
        "stn_isa_avx512"
      ],
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); s.kernels.concat(s.kernels_base, s.addon).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_CPP_EXCEPTIONS"
      ],
      "ldflags": [
        "-fopenmp"
      ],
      "libraries": [
        "-ldl"
      ]
    }
  ]
}
