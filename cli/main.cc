// quiver: the command line tool. Parses `quiver <verb> ...` and runs the verb.
// Exit codes: 0 success, 1 the operation failed (message on stderr), 2 the
// command line was wrong (CLI11's message and a hint on stderr).
#include <iostream>
#include <string>

#include "command.h"

int main(int argc, char** argv) {
  CLI::App app("Quiver: an embedded vector database. Run `quiver <verb> --help` for a verb's flags.",
               "quiver");
  app.require_subcommand(1);
  app.set_config("--config", "", "Read flags from this TOML file (a [serve] section for quiver serve)");
  app.footer(
      "Try it:\n"
      "  quiver demo                      generate, write, read and time-travel a sample table\n"
      "  quiver create ./db items items.jsonl\n"
      "  quiver scan ./db items --limit 5");

  quiver::cli::VerbList verbs(app);
  quiver::cli::RegisterDataCommands(verbs);
  quiver::cli::RegisterSearch(verbs);
  quiver::cli::RegisterVersionCommands(verbs);
  quiver::cli::RegisterChangeCommands(verbs);
  quiver::cli::RegisterAdminCommands(verbs);
  quiver::cli::RegisterDemo(verbs);
  quiver::cli::RegisterServe(verbs);

  if (argc < 2) {
    std::cerr << app.help();
    return 2;
  }
  // CLI11 would say "A subcommand is required" for a mistyped verb.
  std::string first = argv[1];
  if (!first.starts_with("-") && !verbs.Has(first)) {
    std::cerr << "quiver: unknown verb \"" << first << "\". Verbs:";
    for (const std::string& name : verbs.Names()) std::cerr << ' ' << name;
    std::cerr << "\nRun quiver --help for what each does.\n";
    return 2;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints help (code 0) or the error and a hint
    return code == 0 ? 0 : 2;
  }

  const quiver::cli::Action* action = verbs.Selected();
  if (action == nullptr || !*action) return 2;
  quiver::Status status = (*action)();
  if (!status.ok()) {
    std::cout.flush();
    std::cerr << "error: " << status.ToString() << std::endl;
    return 1;
  }
  return 0;
}
