using System.Diagnostics;
using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// The tests' one-node Slurm cluster (scripts/slurm-local.sh), started clean once for the tests that need it (a no-op
/// when it runs already, as in CI). It has its own state folder and ports (PEAKD_TEST_SLURM_DIR and
/// PEAKD_TEST_SLURM_PORT, or /tmp/peakd-test-slurm and 6827), apart from a cluster someone runs sweeps on, so no job
/// of theirs holds its CPUs. Where it cannot start (not root, no apt-get, not Linux), those tests are skipped with the
/// reason; with PEAKD_REQUIRE_SLURM=1 (CI) they fail instead, so a cluster that silently stopped starting is seen.
/// </summary>
internal static class LocalSlurm
{
    private static readonly Lazy<string?> Problem = new(Start);

    /// <summary>Whether the tests must have the cluster (PEAKD_REQUIRE_SLURM=1).</summary>
    public static bool Required => Environment.GetEnvironmentVariable("PEAKD_REQUIRE_SLURM") == "1";

    /// <summary>Why the cluster is not there, or null when it runs (starting it on the first call).</summary>
    public static string? Unavailable => Problem.Value;

    /// <summary>The running cluster, through the tools on PATH (SLURM_CONF names its configuration).</summary>
    public static SlurmCluster Cluster()
    {
        if (Unavailable is string problem)
        {
            throw new InvalidOperationException($"The local Slurm cluster is required (PEAKD_REQUIRE_SLURM=1) but could not start: {problem}");
        }
        return new SlurmCluster();
    }

    private static string? Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "Slurm runs on Linux only.";
        }
        string folder = Environment.GetEnvironmentVariable("PEAKD_TEST_SLURM_DIR") is { Length: > 0 } setFolder ? setFolder : "/tmp/peakd-test-slurm";
        string port = Environment.GetEnvironmentVariable("PEAKD_TEST_SLURM_PORT") is { Length: > 0 } setPort ? setPort : "6827";
        ProcessStartInfo Script(params string[] arguments)
        {
            var script = new ProcessStartInfo("bash", [TestFiles.Repository("scripts", "slurm-local.sh"), .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            script.Environment["PEAKD_SLURM_DIR"] = folder;
            script.Environment["PEAKD_SLURM_PORT"] = port;
            return script;
        }
        var start = Script("start", "--clean");
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return "scripts/slurm-local.sh start did not finish in 5 minutes.";
        }
        if (process.ExitCode != 0)
        {
            string said = string.Join(" ", (error.Result + output.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
            return $"scripts/slurm-local.sh start failed (exit code {process.ExitCode}): {said}";
        }
        Environment.SetEnvironmentVariable("SLURM_CONF", Path.Combine(folder, "slurm.conf"));
        if (output.Result.Contains("slurm-local: started", StringComparison.Ordinal))
        {
            // Started here, so stopped here; a cluster that ran before (CI starts one) is left running.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Process.Start(Script("stop"))?.WaitForExit(TimeSpan.FromSeconds(30));
        }
        return null;
    }
}

/// <summary>A test that needs the local Slurm cluster: skipped with the reason where it cannot start, unless
/// PEAKD_REQUIRE_SLURM=1. (xunit 2 has no dynamic skip; this test case decides when it runs, not at discovery, so
/// listing or filtering tests never starts the cluster.)</summary>
[XunitTestCaseDiscoverer("PeaKd.Tests.Sweeps.Slurm.SlurmFactDiscoverer", "PeaKd.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmFactAttribute : FactAttribute;

/// <summary>Makes a <see cref="SlurmTestCase"/> of each <see cref="SlurmFactAttribute"/> method.</summary>
public sealed class SlurmFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    /// <inheritdoc/>
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new SlurmTestCase(diagnostics, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

/// <summary>A Slurm test: when it is run, starts the cluster (once) or is skipped with the reason.</summary>
public sealed class SlurmTestCase : XunitTestCase
{
    /// <summary>For xunit's deserialization.</summary>
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SlurmTestCase()
    {
    }

    /// <summary>The test case of <paramref name="testMethod"/>.</summary>
    public SlurmTestCase(IMessageSink diagnostics, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod testMethod)
        : base(diagnostics, display, displayOptions, testMethod)
    {
    }

    /// <inheritdoc/>
    public override Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments,
        ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        if (LocalSlurm.Unavailable is string problem && !LocalSlurm.Required)
        {
            SkipReason = $"no Slurm cluster: {problem}";
            Console.Error.WriteLine($"Skipping {DisplayName}: {SkipReason}");
        }
        return base.RunAsync(diagnosticMessageSink, messageBus, constructorArguments, aggregator, cancellationTokenSource);
    }
}
