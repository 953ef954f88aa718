using Pgway.Cli;

RuntimeTuning.Apply();
// Before the console or a signal registration starts .NET's signal handling, which keeps what it finds.
InheritedSignals.Claim(InheritedSignals.HandledBy(args.FirstOrDefault()));
return await PgwayCommand.RunAsync(args, CliContext.ForConsole());
