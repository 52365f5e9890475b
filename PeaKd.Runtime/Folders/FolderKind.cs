namespace PeaKd.Folders;

/// <summary>What a folder PeaKd wrote holds; its manifest says so, and a writer replaces only a folder of its own kind.</summary>
internal enum FolderKind
{
    /// <summary>A teacher fine-tuned by PeaKd (the fine-tune run's folder, or a distill run's teacher/).</summary>
    FineTuned,
    /// <summary>A distilled student: owned layers, student.json with the plan.</summary>
    Student,
    /// <summary>A model imported from ONNX or a Hugging Face folder.</summary>
    Imported,
    /// <summary>A Hugging Face folder exported from a trained model (shared layers unrolled).</summary>
    HuggingFaceExport,
    /// <summary>An ONNX export (model.onnx with its config and tokenizer).</summary>
    OnnxExport,
    /// <summary>A finished distillation run: its options, log, predictions and summary (its teacher/ and student/ are sealed on their own).</summary>
    Run,
}

internal static class FolderKinds
{
    /// <summary>The manifest's spelling of a kind.</summary>
    public static string Name(FolderKind kind) => kind switch
    {
        FolderKind.FineTuned => "fine-tuned",
        FolderKind.Student => "student",
        FolderKind.Imported => "imported",
        FolderKind.HuggingFaceExport => "hf-export",
        FolderKind.OnnxExport => "onnx-export",
        FolderKind.Run => "run",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static FolderKind? Parse(string name) =>
        Enum.GetValues<FolderKind>().Cast<FolderKind?>().FirstOrDefault(kind => Name(kind!.Value) == name);
}
