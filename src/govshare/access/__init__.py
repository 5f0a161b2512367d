"""Access (获取与授权): requests for another agency's shared information, the provider's decision
within its legal deadline, coordination, the government's decision on what lies outside the
catalog, and the grants that follow (GZ-18, GZ-19, GD-11, GD-20, GD-21, GD-22)."""
