using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Training;

/// <summary>What a resume compares with its checkpoint's conditions: each change named, unrecorded fields not judged.</summary>
public sealed class ComputeConditionsTests
{
    private static readonly ComputeConditions Then = new("aaaaaaaaaaaa", "cpu", "Fp32", 7, 2);

    [Fact]
    public void The_same_conditions_have_no_changes()
    {
        Assert.Empty((Then with { }).ChangesSince(Then));
    }

    [Fact]
    public void Each_change_is_named_with_both_values()
    {
        var now = new ComputeConditions("bbbbbbbbbbbb", "cuda:0", "Bf16", null, null);
        Assert.Equal(["build aaaaaaaaaaaa -> bbbbbbbbbbbb", "device cpu -> cuda:0", "precision Fp32 -> Bf16"], now.ChangesSince(Then));
        Assert.Equal(["MKL code path 7 -> 0", "threads 2 -> 1"], (Then with { MklCodePath = 0, Threads = 1 }).ChangesSince(Then));
    }

    [Fact]
    public void What_either_side_did_not_record_is_not_judged()
    {
        Assert.Empty((Then with { Code = null, Precision = null }).ChangesSince(Then));
        Assert.Empty(Then.ChangesSince(Then with { Code = null, MklCodePath = null, Threads = null }));
    }
}
