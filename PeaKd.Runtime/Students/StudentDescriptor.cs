using PeaKd.Modeling;

namespace PeaKd.Students;

/// <summary>One entry of the generated student catalog: a student's name, plan and factory.</summary>
public sealed record StudentDescriptor(string Name, StudentPlan Plan, Func<BertConfig, int, StudentModel> Create);
