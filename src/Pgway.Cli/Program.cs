using Pgway.Cli;

return await PgwayCommand.RunAsync(args, CliContext.ForConsole());
