namespace PeaKd.Samples.Students;

// PeaBERT students: shuffled parameter sharing, the k owned layers run again with Query and Key exchanged.
// Only PeaBert6 declares a [PatientMap]: it is the authors' exception to the evenly spaced rule.

[Student(1), Sps(Shuffle = Shuffle.QueryKey)]
public partial class PeaBert1;

[Student(2), Sps(Shuffle = Shuffle.QueryKey)]
public partial class PeaBert2;

/// <summary>The paper's PeaBERT3, written out layer by layer (equivalent to [Sps]).</summary>
[Student(3)]
[SharedLayer(3, From = 0, Shuffle = Shuffle.QueryKey)]
[SharedLayer(4, From = 1, Shuffle = Shuffle.QueryKey)]
[SharedLayer(5, From = 2, Shuffle = Shuffle.QueryKey)]
public partial class PeaBert3;

/// <summary>The authors' k = 6 student: only layers 3, 4, 5 are reused, giving 9 effective layers;
/// teacher layers 3 and 7 are matched at effective layers 2 and 5 (the 3rd and 6th).</summary>
[Student(6), Sps(Of = new[] { 3, 4, 5 }, Shuffle = Shuffle.QueryKey)]
[PatientMap(3, 7, At = new[] { 2, 5 })]
public partial class PeaBert6;
