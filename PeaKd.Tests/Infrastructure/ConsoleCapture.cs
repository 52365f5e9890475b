namespace PeaKd.Tests.Infrastructure;

/// <summary>Runs a command-line entry point in process with stdout and stderr captured.</summary>
internal static class ConsoleCapture
{
    /// <param name="entryPoint">The program's entry point.</param>
    /// <param name="input">What stdin holds; empty by default.</param>
    public static (int Exit, string Out, string Error) Run(Func<int> entryPoint, string input = "")
    {
        TextWriter originalOut = Console.Out, originalError = Console.Error;
        TextReader originalIn = Console.In;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        Console.SetIn(new StringReader(input));
        try
        {
            int exit = entryPoint();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
            Console.SetIn(originalIn);
        }
    }
}
