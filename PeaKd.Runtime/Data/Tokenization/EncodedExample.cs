namespace PeaKd.Data.Tokenization;

/// <summary>A tokenized example: [CLS] A [SEP] (B [SEP]) ids, segment ids, and its gold label or score.</summary>
internal sealed record EncodedExample(int[] InputIds, int[] TokenTypeIds, int? Label, float? Target)
{
    public int Length => InputIds.Length;
}
