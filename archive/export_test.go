package archive

// TimeStampingOnly is timeStampingOnly, for the external tests.
var TimeStampingOnly = timeStampingOnly
