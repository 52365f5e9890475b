namespace PeaKd.Training;

/// <summary>
/// Linear warmup from 0 to the peak learning rate over the first warmup steps, then linear decay to 0 at the
/// last step (Hugging Face's get_linear_schedule_with_warmup, step counted from 0).
/// </summary>
internal sealed class LinearWarmupSchedule
{
    public LinearWarmupSchedule(double peak, long totalSteps, double warmupFraction)
    {
        if (totalSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "training needs at least one step.");
        }
        if (warmupFraction is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, "warmup must be a fraction in [0, 1).");
        }
        Peak = peak;
        TotalSteps = totalSteps;
        WarmupSteps = (long)(totalSteps * warmupFraction);
    }

    public double Peak { get; }
    public long TotalSteps { get; }
    public long WarmupSteps { get; }

    /// <summary>The learning rate of 0-based step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        double factor = step < WarmupSteps
            ? step / (double)Math.Max(1, WarmupSteps)
            : Math.Max(0.0, (TotalSteps - step) / (double)Math.Max(1, TotalSteps - WarmupSteps));
        return Peak * factor;
    }
}
