using PeaKd.Options;
using PeaKd.Slurm;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>Slurm options Slurm would refuse are refused first, naming the property.</summary>
public class SlurmOptionsTests
{
    [Theory]
    [InlineData("90", 90 * 60)]
    [InlineData("5:30", 5 * 60 + 30)]
    [InlineData("2:00:00", 2 * 3600)]
    [InlineData("1-12", 86400 + 12 * 3600)]
    [InlineData("1-2:30", 86400 + 2 * 3600 + 30 * 60)]
    [InlineData("3-0:0:10", 3 * 86400 + 10)]
    public void Slurm_time_formats_are_read_as_seconds(string time, long seconds)
    {
        Assert.Equal(seconds, SlurmOptions.TimeLimitSeconds(time));
        new SlurmOptions { Time = time, SignalLeadSeconds = 1 }.Validate();
    }

    [Theory]
    [InlineData("UNLIMITED")]
    [InlineData("infinite")]
    [InlineData("0")]
    public void No_time_limit_is_accepted(string time)
    {
        Assert.Equal(long.MaxValue, SlurmOptions.TimeLimitSeconds(time));
        new SlurmOptions { Time = time }.Validate();
    }

    [Theory]
    [InlineData("Time", "2h")]
    [InlineData("Time", "1:2:3:4")]
    [InlineData("Time", "1-")]
    [InlineData("Time", "")]
    [InlineData("Partition", "gpu queue")]
    [InlineData("Memory", "8GB")]
    [InlineData("Gres", "gpu 1")]
    [InlineData("Account", "lab'a")]
    public void A_malformed_value_is_refused_naming_it(string property, string value)
    {
        var options = property switch
        {
            "Time" => new SlurmOptions { Time = value },
            "Partition" => new SlurmOptions { Partition = value },
            "Memory" => new SlurmOptions { Memory = value },
            "Gres" => new SlurmOptions { Gres = value },
            _ => new SlurmOptions { Account = value },
        };
        var e = Assert.Throws<InvalidOptionException>(options.Validate);
        Assert.Equal($"SlurmOptions.{property}", e.Property);
        Assert.Contains($"'{value}'", e.Message);
    }

    [Fact]
    public void Counts_must_be_positive_and_the_lead_shorter_than_the_time()
    {
        Assert.Equal("SlurmOptions.CpusPerTask", Assert.Throws<InvalidOptionException>(new SlurmOptions { CpusPerTask = 0 }.Validate).Property);
        Assert.Equal("SlurmOptions.ArrayThrottle", Assert.Throws<InvalidOptionException>(new SlurmOptions { ArrayThrottle = 0 }.Validate).Property);
        Assert.Equal("SlurmOptions.MaxTimeoutRequeues", Assert.Throws<InvalidOptionException>(new SlurmOptions { MaxTimeoutRequeues = -1 }.Validate).Property);
        Assert.Equal("SlurmOptions.SignalLeadSeconds", Assert.Throws<InvalidOptionException>(new SlurmOptions { SignalLeadSeconds = 0 }.Validate).Property);
        Assert.Equal("SlurmOptions.SignalLeadSeconds", Assert.Throws<InvalidOptionException>(new SlurmOptions { SignalLeadSeconds = 70000 }.Validate).Property);
        var e = Assert.Throws<InvalidOptionException>(new SlurmOptions { Time = "2", SignalLeadSeconds = 120 }.Validate);
        Assert.Equal("SlurmOptions.SignalLeadSeconds", e.Property);
        Assert.Contains("SlurmOptions.Time = 2 (120 s)", e.Message);
        new SlurmOptions { Time = "2", SignalLeadSeconds = 119, Partition = "gpu,cpu", Memory = "8G", Gres = "gpu:a100:1", Account = "lab-1", CpusPerTask = 4, ArrayThrottle = 8 }.Validate();
        new SlurmOptions().Validate();
    }
}
