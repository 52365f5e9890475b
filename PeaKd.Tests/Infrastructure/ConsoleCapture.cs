namespace PeaKd.Tests.Infrastructure;

/// <summary>Runs a command-line entry point in process with stdout and stderr captured.</summary>
internal static class ConsoleCapture
{
    /// <param name="entryPoint">The program's entry point.</param>
    /// <param name="input">What stdin holds; empty by default.</param>
    public static (int Exit, string Out, string Error) Run(Func<int> entryPoint, string input = "") => Run(entryPoint, System.Text.Encoding.UTF8.GetBytes(input));

    /// <param name="entryPoint">The program's entry point.</param>
    /// <param name="input">The bytes stdin holds, as text (Console.In) and as bytes (peakd's <see cref="PeaKd.Samples.Cli.PeakdCli.OpenStandardInput"/>).</param>
    public static (int Exit, string Out, string Error) Run(Func<int> entryPoint, byte[] input)
    {
        TextWriter originalOut = Console.Out, originalError = Console.Error;
        TextReader originalIn = Console.In;
        Func<Stream> originalStdin = PeaKd.Samples.Cli.PeakdCli.OpenStandardInput;
        var output = new StringWriter();
        var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        Console.SetIn(new StringReader(System.Text.Encoding.UTF8.GetString(input)));
        PeaKd.Samples.Cli.PeakdCli.OpenStandardInput = () => new MemoryStream(input, writable: false);
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
            PeaKd.Samples.Cli.PeakdCli.OpenStandardInput = originalStdin;
        }
    }
}
