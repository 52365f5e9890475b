using PeaKd.Devices;
using PeaKd.Precision;
using PeaKd.Training;

namespace PeaKd.Runs;

/// <summary>What every run's options say about the run itself rather than what it trains: where it writes, what it
/// keeps, where and how it computes, and whether it continues or replaces a run already in its folder. Each options
/// type hands its own values over (FineTuneOptions.RunSettings, PipelineOptions.RunSettings), under the same names.</summary>
/// <param name="OutputFolder">The run folder.</param>
/// <param name="KeepCheckpoints">What a stage keeps of its checkpoints once it is done.</param>
/// <param name="Device">Where to train.</param>
/// <param name="Precision">How training computes.</param>
/// <param name="Resume">Continue the interrupted run in the folder.</param>
/// <param name="Overwrite">Delete the run in the folder and start again.</param>
internal sealed record RunSettings(string OutputFolder, CheckpointRetention KeepCheckpoints, DeviceChoice Device, PrecisionChoice Precision, bool Resume, bool Overwrite);
