using Pgway.Cli;

RuntimeTuning.Apply();
return await PgwayCommand.RunAsync(args, CliContext.ForConsole());
