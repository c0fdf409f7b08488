# Writes the man page vivid.1.gz from the CLI's own --help (so it cannot drift from it):
# help2man over `vivid --help` and `--version`, with a COMMANDS section holding every
# subcommand's `vivid COMMAND --help`. Run as
#   cmake -DVIVID=<the CLI> -DOUTPUT=<dir>/vivid.1.gz -P man_page.cmake
if(NOT VIVID OR NOT OUTPUT)
  message(FATAL_ERROR "man_page.cmake: pass -DVIVID=<the vivid CLI> -DOUTPUT=<vivid.1.gz>")
endif()
# Run as `vivid` from the PATH, so that the usage lines say `vivid`, not the build folder's path.
get_filename_component(bin_dir "${VIVID}" DIRECTORY)
get_filename_component(program "${VIVID}" NAME)
set(ENV{PATH} "${bin_dir}:$ENV{PATH}")
execute_process(COMMAND "${program}" --help OUTPUT_VARIABLE help COMMAND_ERROR_IS_FATAL ANY)
# CLI11 lists the subcommands under "Subcommands:", one per line, name then description.
string(REGEX REPLACE ".*Subcommands:\n" "" listed "${help}")
string(REGEX MATCHALL "\n  [a-z]+ " names "\n${listed}")
set(sections "[COMMANDS]\n")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  execute_process(COMMAND "${program}" ${name} --help OUTPUT_VARIABLE text COMMAND_ERROR_IS_FATAL ANY)
  # roff: a line starting with '.' or '\'' would be a request; a backslash an escape.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" text "${text}")
  string(APPEND sections ".SS vivid ${name}\n.nf\n${text}\n.fi\n")
endforeach()
get_filename_component(dir "${OUTPUT}" DIRECTORY)
file(WRITE "${dir}/vivid.h2m" "${sections}")
execute_process(COMMAND help2man --no-info --section 1 --include "${dir}/vivid.h2m"
                        --name "convert, verify and run ViViT and VideoMAE video transformers on a CPU"
                        --output "${dir}/vivid.1" "${program}"
                COMMAND_ERROR_IS_FATAL ANY)
# Debian's man pages are gzipped, without a timestamp (-n) so that builds are reproducible.
execute_process(COMMAND gzip -9nf "${dir}/vivid.1" COMMAND_ERROR_IS_FATAL ANY)
