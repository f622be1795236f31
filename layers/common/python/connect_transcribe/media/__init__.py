"""Media plane: streaming MKV parsing of Kinesis Video Streams GetMedia bodies and Connect-shaped MKV writing."""
