namespace PeaKd.Training;

/// <summary>Which dev check's weights a training stage keeps.</summary>
public enum DevSelection
{
    /// <summary>The best value of the task's main metric (accuracy, F1 for MRPC, MCC for CoLA, Pearson for STS-B).</summary>
    Metric,

    /// <summary>The lowest dev loss (cross-entropy; mean squared error for regression), as the authors pick the teacher
    /// whose predictions PTP labels. PTP always keeps its lowest dev loss.</summary>
    Loss,
}
