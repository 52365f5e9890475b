using PeaKd.Sweeps;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>The Pareto front against a hand-worked example.</summary>
public class ParetoFrontTests
{
    // accuracy (higher is better), parameters (fewer), latency ms (lower)
    private static readonly ParetoPoint A = new("A", 0.90, 100, 10);
    private static readonly ParetoPoint B = new("B", 0.85, 50, 8);
    private static readonly ParetoPoint C = new("C", 0.84, 60, 9);   // B beats it on all three
    private static readonly ParetoPoint D = new("D", 0.92, 200, 20); // the most accurate
    private static readonly ParetoPoint E = new("E", 0.90, 120, 10); // A: as accurate, as fast, fewer parameters
    private static readonly ParetoPoint F = new("F", 0.80, 40, 12);  // the fewest parameters
    private static readonly ParetoPoint G = new("G", 0.88, 100, 5);  // the fastest: A is more accurate, but slower

    [Fact]
    public void The_front_keeps_the_points_no_other_beats_on_accuracy_parameters_and_latency()
    {
        // By hand: C is dominated by B (0.85 > 0.84, 50 < 60, 8 < 9); E by A (equal accuracy and latency, 100 < 120).
        // F has the fewest parameters, D the best accuracy, G the lowest latency: nothing beats them. A: only D is more
        // accurate, and it is larger; B: only F is smaller, and less accurate; neither is beaten. Ordered by
        // parameters, then accuracy: F 40, B 50, A 100 (0.90), G 100 (0.88), D 200.
        Assert.Equal(["F", "B", "A", "G", "D"], ParetoFront.Of([A, B, C, D, E, F, G]).Select(p => p.Id));
    }

    [Fact]
    public void Without_every_latency_the_front_weighs_accuracy_and_parameters_only()
    {
        // G without a latency: latency is ignored for all. Then A (0.90, 100) beats G (0.88, 100), and the rest is as above.
        Assert.Equal(["F", "B", "A", "D"], ParetoFront.Of([A, B, C, D, E, F, G with { LatencyMilliseconds = null }]).Select(p => p.Id));
    }

    [Fact]
    public void Equal_points_both_stay_and_an_empty_set_has_an_empty_front()
    {
        Assert.Equal(["A", "A2"], ParetoFront.Of([A, A with { Id = "A2" }]).Select(p => p.Id));
        Assert.Empty(ParetoFront.Of([]));
    }

    [Fact]
    public void A_point_that_is_not_a_number_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => ParetoFront.Of([A, new("X", double.NaN, 1)]));
        Assert.Contains("Point X", e.Message);
    }
}
