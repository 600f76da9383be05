# ISA isolation check (ctest isa_symbols_<isa>; see "Linkage" in
# grid_sampler_simd.inl's NOTE): every symbol that an ISA's object files
# define with external linkage must be in that ISA's namespace stn::<isa>::.
# Anything else (an inline function of a shared header, a std:: template or
# <cmath> inline emitted out of line) is a weak copy built with the ISA's
# flags, and the linker may keep it for the whole binary.
#
#   cmake -DNM=<nm> -DISA=<isa> -P check_isa_symbols.cmake <object>...
#
# Also allowed: typeinfo objects and their names (_ZTI*, _ZTS*), data that
# clang's -fsanitize=function emits for function types (no code).

cmake_minimum_required(VERSION 3.19)

# The arguments after the script's path are the objects.
set(objects "")
set(first "")
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(first STREQUAL "" AND CMAKE_ARGV${i} STREQUAL "-P")
    math(EXPR first "${i} + 2")
  elseif(NOT first STREQUAL "" AND i GREATER_EQUAL first)
    list(APPEND objects "${CMAKE_ARGV${i}}")
  endif()
endforeach()
if(NOT NM OR NOT ISA OR NOT objects)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DISA=<isa> -P check_isa_symbols.cmake <object>...")
endif()

# Itanium mangling of a name in stn::<isa>:: (also its member functions,
# vtables, guard variables and local statics); Mach-O adds a leading '_'.
string(LENGTH "${ISA}" isa_length)
set(own "^_?_Z[A-Z]*N[KVRO]*3stn${isa_length}${ISA}[0-9A-Z]")
set(typeinfo "^_?_ZT[IS]")

set(leaks "")
foreach(object ${objects})
  # The same symbols in the same (symbol table) order, mangled and demangled.
  foreach(form mangled demangled)
    set(demangle "")
    if(form STREQUAL "demangled")
      set(demangle -C)
    endif()
    execute_process(COMMAND "${NM}" --defined-only --extern-only --no-sort ${demangle} "${object}"
                    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${NM} failed on ${object}: ${err}")
    endif()
    string(REGEX REPLACE "\n$" "" out "${out}")
    # One list item per line; ';' (not in these names) must not split them.
    string(REPLACE ";" "," out "${out}")
    string(REPLACE "\n" ";" ${form} "${out}")
  endforeach()
  list(LENGTH mangled count)
  list(LENGTH demangled count_demangled)
  if(count EQUAL 0)
    continue()
  endif()
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    list(GET mangled ${i} line)
    # "<address> <type> <name>" (no address for some kinds).
    string(REGEX REPLACE "^[0-9a-fA-F]* *[A-Za-z] " "" name "${line}")
    if(name MATCHES "${own}" OR name MATCHES "${typeinfo}")
      continue()
    endif()
    set(shown "${line}")
    if(count_demangled EQUAL count)
      list(GET demangled ${i} shown)
      set(shown "${shown}   [${name}]")
    endif()
    string(REGEX REPLACE "^[0-9a-fA-F]+ " "" shown "${shown}")
    list(APPEND leaks "  ${object}: ${shown}")
  endforeach()
endforeach()

if(leaks)
  list(LENGTH leaks leak_count)
  string(REPLACE ";" "\n" leaks "${leaks}")
  message("isa_symbols: ${ISA}: ${leak_count} symbol(s) exported outside stn::${ISA}::\n"
          "(weak copies built with the ${ISA} flags, which the linker may keep for\n"
          "the other ISAs and the reference too):\n${leaks}\n"
          "Give them internal linkage (an unnamed namespace), or use a compiler\n"
          "builtin rather than the std:: function: see \"Linkage\" in the NOTE of\n"
          "native/grid_sampler_simd.inl.")
  message(FATAL_ERROR "isa_symbols: ${ISA}: FAILED")
endif()
list(LENGTH objects object_count)
message("isa_symbols: ${ISA}: ${object_count} object file(s), nothing exported outside stn::${ISA}::")
