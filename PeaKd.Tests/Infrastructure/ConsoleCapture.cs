namespace PeaKd.Tests.Infrastructure;

/// <summary>Runs a command-line entry point in process with stdout and stderr captured.</summary>
internal static class ConsoleCapture
{
    public static (int Exit, string Out, string Error) Run(Func<int> entryPoint)
    {
        TextWriter originalOut = Console.Out, originalError = Console.Error;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exit = entryPoint();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
